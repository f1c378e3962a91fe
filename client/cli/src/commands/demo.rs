//! `tessera demo`: placeholder replaced below.
use clap::Args;
use tessera_client::{Result, TesseraError};

use crate::output::{Format, Report};

#[derive(Args)]
pub struct DemoArgs {}

pub fn run(_: &DemoArgs, _: Format) -> Result<Report> {
    Err(TesseraError::Invalid("demo: not built yet".into()))
}
