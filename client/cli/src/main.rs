//! `tessera`: the Tessera programs from a terminal.
//!
//! Connection and wallet follow the Solana CLI: `--url` (`localhost`, `devnet`, `testnet`,
//! `mainnet-beta` or a URL) and `--keypair`, else `~/.config/solana/cli/config.yml`.
//! Output is a human table by default and one JSON object with `--output json` (see
//! `client/cli/README.md` for the JSON shapes). Errors are one line on stderr, exit code 1.

mod commands;
mod context;
mod output;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use output::Format;

#[derive(Parser)]
#[command(
    name = "tessera",
    version,
    about = "Datasets and AI models as tokens on Solana: publish, buy access, run paid inference jobs, claim royalties"
)]
struct Cli {
    /// Solana CLI config file [default: ~/.config/solana/cli/config.yml]
    #[arg(short = 'C', long, global = true, value_name = "PATH")]
    config: Option<String>,
    /// RPC URL or moniker: localhost, devnet, testnet, mainnet-beta
    #[arg(short = 'u', long, global = true, value_name = "URL_OR_MONIKER")]
    url: Option<String>,
    /// Signer keypair file (fee payer and acting wallet)
    #[arg(short = 'k', long, global = true, value_name = "KEYPAIR")]
    keypair: Option<String>,
    /// processed, confirmed or finalized
    #[arg(long, global = true, value_name = "LEVEL")]
    commitment: Option<String>,
    /// Output format
    #[arg(long, global = true, value_enum, default_value = "human")]
    output: Format,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Program configs (admin)
    #[command(subcommand)]
    Config(commands::config::ConfigCmd),
    /// Publish a dataset or a model
    #[command(subcommand)]
    Publish(commands::publish::PublishCmd),
    /// List and show assets
    #[command(subcommand)]
    Assets(commands::assets::AssetsCmd),
    /// Change an asset's URI, price, duration, supply or inference terms (publisher)
    Update(commands::assets::UpdateArgs),
    /// Take an asset off sale (publisher)
    Delist { asset: String },
    /// Put a delisted asset back on sale (publisher)
    Relist { asset: String },
    /// End an asset's sales for good (publisher)
    Retire { asset: String },
    /// Buy access tokens with a price guard
    Buy(commands::buy::BuyArgs),
    /// Burn access tokens to consume access
    Redeem(commands::buy::RedeemArgs),
    /// Revoke a holder's pass (publisher)
    Revoke(commands::buy::RevokeArgs),
    /// Move assets' accrued protocol fees to the treasury (anyone)
    SweepFees(commands::assets::SweepFeesArgs),
    /// Check access
    #[command(subcommand)]
    Access(commands::access::AccessCmd),
    /// Download a dataset you hold from its access gate: challenge, resume, content hash checked
    Download(commands::download::DownloadArgs),
    /// Royalties owed and claims
    #[command(subcommand)]
    Royalties(commands::royalties::RoyaltiesCmd),
    /// Inference providers
    #[command(subcommand)]
    Provider(commands::provider::ProviderCmd),
    /// Paid inference jobs
    #[command(subcommand)]
    Jobs(commands::jobs::JobsCmd),
    /// Payment channels: pay per model call with vouchers
    #[command(subcommand)]
    Channel(commands::channel::ChannelCmd),
    /// Call a model through a metered gate, paying with a voucher (opens a channel if needed)
    Call(commands::channel::CallArgs),
    /// Play the whole story on a local validator of its own and print who received what
    Demo(commands::demo::DemoArgs),
    /// The access gate: serve a dataset file or a model endpoint to wallets that prove access
    Serve(serve::ServeArgs),
    /// The indexer: ingest the programs' events into SQLite or Postgres, serve its HTTP API, check it
    #[command(subcommand)]
    Index(commands::index::IndexCmd),
}

/// `serve`'s result once the server stops: `{"action": "serve", "stopped": true}`.
#[derive(serde::Serialize)]
struct ServeStopped {
    action: &'static str,
    stopped: bool,
}

impl output::CommandOutput for ServeStopped {
    fn human(&self) -> String {
        "stopped".into()
    }
}

/// A command line clap refuses (an unknown value of an enumerated argument, a missing one…).
/// With `--output json` the refusal is also the documented JSON error, `kind` "invalid", and
/// stderr gets one line; otherwise clap prints its usage as usual. Help and version are not
/// refusals.
fn refuse_usage(e: clap::Error) -> ExitCode {
    let json = {
        let args: Vec<String> = std::env::args().collect();
        args.windows(2).any(|w| w[0] == "--output" && w[1] == "json") || args.iter().any(|a| a == "--output=json")
    };
    if !e.use_stderr() || !json {
        e.exit()
    }
    let rendered = e.render().to_string();
    let message = rendered
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Usage:") && !l.starts_with("For more information"))
        .collect::<Vec<_>>()
        .join(" ");
    let message = message.strip_prefix("error: ").unwrap_or(&message).to_string();
    println!(
        "{}",
        output::to_json(&output::ErrorOutput::new(output::ErrorKind::Invalid, message.clone()))
    );
    eprintln!("error: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return refuse_usage(e),
    };
    let format = cli.output;
    let result = (|| {
        if let Command::Demo(args) = &cli.command {
            return commands::demo::run(args, format);
        }
        let s = context::settings(
            cli.config.as_deref(),
            cli.url.as_deref(),
            cli.keypair.as_deref(),
            cli.commitment.as_deref(),
        )?;
        if let Command::Index(c) = cli.command {
            return commands::index::run(&s, c);
        }
        if let Command::Serve(args) = cli.command {
            serve::run(&s, args)?;
            return Ok(ServeStopped {
                action: "serve",
                stopped: true,
            }
            .into());
        }
        // Read-only commands that never act as the wallet work without a keypair file.
        let read_only = matches!(
            cli.command,
            Command::Assets(_)
                | Command::Config(commands::config::ConfigCmd::Show)
                | Command::Jobs(commands::jobs::JobsCmd::List { .. } | commands::jobs::JobsCmd::Show { .. })
                | Command::Channel(commands::channel::ChannelCmd::Show { .. })
        );
        let t = if read_only { s.read_only_client() } else { s.client()? };
        match cli.command {
            Command::Config(c) => commands::config::run(&t, c, format),
            Command::Publish(c) => commands::publish::run(&t, c, format),
            Command::Assets(c) => commands::assets::run(&t, c),
            Command::Update(a) => commands::assets::update(&t, a, format),
            Command::Delist { asset } => {
                commands::assets::set_state(&t, commands::assets::StateChange::Delist, &asset, format)
            }
            Command::Relist { asset } => {
                commands::assets::set_state(&t, commands::assets::StateChange::Relist, &asset, format)
            }
            Command::Retire { asset } => {
                commands::assets::set_state(&t, commands::assets::StateChange::Retire, &asset, format)
            }
            Command::Buy(a) => commands::buy::buy(&t, a, format),
            Command::Redeem(a) => commands::buy::redeem(&t, a, format),
            Command::Revoke(a) => commands::buy::revoke(&t, a, format),
            Command::SweepFees(a) => commands::assets::sweep_fees(&t, a, format),
            Command::Access(c) => commands::access::run(&t, c),
            Command::Download(a) => commands::download::download(&t, a, format),
            Command::Royalties(c) => commands::royalties::run(&t, c, format),
            Command::Provider(c) => commands::provider::run(&t, c, format),
            Command::Jobs(c) => commands::jobs::run(&t, c, format),
            Command::Channel(c) => commands::channel::run(&t, c, format),
            Command::Call(a) => commands::channel::call(&t, a, format),
            Command::Demo(_) | Command::Serve(_) | Command::Index(_) => unreachable!("handled above"),
        }
    })();
    match result {
        Ok(report) => {
            report.print(format);
            ExitCode::SUCCESS
        }
        Err(e) => {
            if format == Format::Json {
                println!("{}", output::to_json(&output::ErrorOutput::from_error(&e)));
            }
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
