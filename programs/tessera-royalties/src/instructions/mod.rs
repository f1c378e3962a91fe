pub mod claim;
pub mod claim_for;
pub mod create_split;
pub mod deposit;
pub mod update_split;

pub use claim::*;
pub use claim_for::*;
pub use create_split::*;
pub use deposit::*;
pub use update_split::*;
