//! The fixture every validator-backed test and benchmark starts with: a scratch directory, an
//! upgrade-authority keypair written in it, and `tessera-localnet` started with that keypair.

use std::{path::PathBuf, time::Duration};

use solana_keypair::{write_keypair_file, Keypair};

use crate::Localnet;

/// A running local validator with its upgrade authority. Destructure it
/// (`let TestChain { dir, admin, admin_path, net } = TestChain::start(..)`): the validator
/// stops when `net` is dropped.
pub struct TestChain {
    /// `tessera-{name}-{pid}` under the temp dir, emptied at start (kept afterwards, for logs).
    pub dir: PathBuf,
    /// The programs' upgrade authority (it initialises the configs), funded at genesis.
    pub admin: Keypair,
    /// Its keypair file, in `dir`.
    pub admin_path: PathBuf,
    pub net: Localnet,
}

impl TestChain {
    /// Starts it, waiting at most `timeout` for the validator. Panics with the launcher's
    /// message when it cannot (this is for tests and benchmarks).
    pub fn start(name: &str, timeout: Duration) -> Self {
        let dir = std::env::temp_dir().join(format!("tessera-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch directory");
        let admin = Keypair::new();
        let admin_path = dir.join("admin.json");
        write_keypair_file(&admin, &admin_path).expect("admin keypair file");
        let net = Localnet::start(&admin_path, timeout).expect("start tessera-localnet");
        TestChain {
            dir,
            admin,
            admin_path,
            net,
        }
    }
}
