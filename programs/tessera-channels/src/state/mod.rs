pub mod channel;
pub mod config;
pub mod payer_channels;

pub use channel::*;
pub use config::*;
pub use payer_channels::*;
