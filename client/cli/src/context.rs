//! Where the CLI connects and who signs: `--url` / `--keypair` / `--commitment`, else the
//! Solana CLI config file (`~/.config/solana/cli/config.yml`), else Solana's defaults.

use std::str::FromStr;

use solana_cli_config::{Config, ConfigInput, CONFIG_FILE};
use solana_commitment_config::CommitmentConfig;
use solana_keypair::{read_keypair_file, Keypair};
use tessera_client::{Tessera, TesseraError};

pub struct Settings {
    pub url: String,
    pub keypair_path: String,
    pub commitment: CommitmentConfig,
}

/// Resolves the settings from the flags and the config file.
pub fn settings(
    config_file: Option<&str>,
    url: Option<&str>,
    keypair: Option<&str>,
    commitment: Option<&str>,
) -> Result<Settings, TesseraError> {
    let path = config_file.map(str::to_string).or_else(|| CONFIG_FILE.clone());
    let cfg = match &path {
        Some(p) if std::path::Path::new(p).exists() => {
            Config::load(p).map_err(|e| TesseraError::Invalid(format!("cannot read Solana CLI config `{p}`: {e}")))?
        }
        _ => Config::default(),
    };
    if let Some(c) = commitment {
        CommitmentConfig::from_str(c).map_err(|_| {
            TesseraError::Invalid(format!(
                "invalid commitment `{c}`: expected processed, confirmed or finalized"
            ))
        })?;
    }
    let (_, url) = ConfigInput::compute_json_rpc_url_setting(url.unwrap_or(""), &cfg.json_rpc_url);
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(TesseraError::Invalid(format!(
            "invalid --url `{url}`: expected localhost, devnet, testnet, mainnet-beta or an http(s) URL"
        )));
    }
    let (_, keypair_path) = ConfigInput::compute_keypair_path_setting(keypair.unwrap_or(""), &cfg.keypair_path);
    let (_, commitment) = ConfigInput::compute_commitment_config(commitment.unwrap_or(""), &cfg.commitment);
    Ok(Settings {
        url,
        keypair_path,
        commitment,
    })
}

pub fn load_keypair(path: &str) -> Result<Keypair, TesseraError> {
    read_keypair_file(path).map_err(|e| {
        TesseraError::Invalid(format!(
            "cannot read keypair `{path}`: {e} (create one with `solana-keygen new` or pass --keypair)"
        ))
    })
}

impl Settings {
    pub fn client(&self) -> Result<Tessera, TesseraError> {
        Ok(Tessera::new(
            &self.url,
            load_keypair(&self.keypair_path)?,
            self.commitment,
        ))
    }

    /// A client for commands that only read: the configured keypair if there is one, else a
    /// throwaway one (it never signs anything).
    pub fn read_only_client(&self) -> Tessera {
        let kp = load_keypair(&self.keypair_path).unwrap_or_else(|_| Keypair::new());
        Tessera::new(&self.url, kp, self.commitment)
    }
}
