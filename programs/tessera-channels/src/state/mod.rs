pub mod channel;
pub mod config;

pub use channel::*;
pub use config::*;
