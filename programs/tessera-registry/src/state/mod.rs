pub mod access_pass;
pub mod asset;
pub mod config;

pub use access_pass::*;
pub use asset::*;
pub use config::*;
