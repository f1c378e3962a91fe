pub mod split;

pub use split::*;
