pub mod config;
pub mod job;
pub mod provider;

pub use config::*;
pub use job::*;
pub use provider::*;
