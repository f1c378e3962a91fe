//! `cargo run -p tessera-bench [-- --output json] [--sales N] [--throughput-secs N] [--senders N] [--calls N]`
//!
//! Prints the cost report; exits non-zero if a flow fails, a transaction exceeds 1,232 bytes,
//! the sale cost differs between 1 and 16 recipients, or the claim cost between 1 and N sales.

use tessera_bench::{render, run, Options};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let value = |flag: &str, default: u64| -> u64 {
        match args.iter().position(|a| a == flag) {
            None => default,
            Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
                eprintln!("error: {flag} expects a number");
                std::process::exit(2)
            }),
        }
    };
    let json = args.windows(2).any(|w| w[0] == "--output" && w[1] == "json");
    let opts = Options {
        max_sales: value("--sales", 10_000),
        throughput_secs: value("--throughput-secs", 20),
        senders: value("--senders", 8) as usize,
        per_call_max: value("--calls", 10_000),
    };
    let report = run(&opts).await;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("json"));
    } else {
        println!("{}", render(&report));
    }
    if report.checks.iter().any(|(_, ok)| !ok) {
        eprintln!("error: a cost check failed (see the checks above)");
        std::process::exit(1);
    }
}
