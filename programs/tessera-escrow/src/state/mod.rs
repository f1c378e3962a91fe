pub mod config;
pub mod job;
pub mod model_providers;
pub mod provider;

pub use config::*;
pub use job::*;
pub use model_providers::*;
pub use provider::*;
