pub mod parked;
pub mod split;

pub use parked::*;
pub use split::*;
