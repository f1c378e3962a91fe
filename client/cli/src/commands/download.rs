//! `tessera download ASSET --gate URL -o FILE`: a dataset from its access gate (`tessera serve`).
//!
//! Each request runs the gate's challenge (`GET /v1/assets/ASSET/challenge`), signs it with the
//! wallet (`tessera_client::proof`, the message built here from the challenge's fields, for the
//! domain expected of the gate) and sends the proof headers with `GET /v1/assets/ASSET/data`.
//! The bytes go to `FILE.part`; an interrupted transfer resumes from the `.part`'s length with a
//! range request and a fresh challenge, in this run (`--retries`) or the next one. SHA-256 is
//! computed while streaming (over the `.part`'s bytes first when resuming) and compared with the
//! asset's on-chain content hash: only a match is renamed to FILE; a mismatch discards the bytes.

use std::{
    fs::{File, OpenOptions},
    io::{ErrorKind, Read, Write},
    path::{Path, PathBuf},
    str::FromStr,
    time::Duration,
};

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use reqwest::{
    blocking::{Client, Response},
    header, StatusCode, Url,
};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use solana_keypair::Keypair;
use solana_signature::Signature;
use solana_signer::Signer;
use tessera_client::{parse, proof, registry::state::AccessDenied, Pubkey, Result, Tessera, TesseraError};

use super::key;
use crate::output::{fields, CommandOutput, Format, Report};

#[derive(Args)]
pub struct DownloadArgs {
    /// The asset (a dataset served by `tessera serve --file`)
    asset: String,
    /// The access gate's base URL, e.g. https://data.example.org
    #[arg(long, value_name = "URL")]
    gate: String,
    /// Where to write the file. The transfer goes to FILE.part (kept to resume an interrupted
    /// download) and is renamed to FILE once its SHA-256 matches the asset's content hash
    #[arg(short = 'o', long = "out", value_name = "FILE")]
    out: PathBuf,
    /// The domain the gate's challenges must name (what the wallet signs for) [default: the
    /// --gate URL's host, or host:port]
    #[arg(long)]
    domain: Option<String>,
    /// Consumable assets: the signature of a confirmed `tessera redeem` transaction
    /// (X-Tessera-Redeem); each request, a resumed one too, uses one of its units
    #[arg(long, value_name = "SIGNATURE")]
    redeem: Option<String>,
    /// Seconds without progress (connecting, waiting, reading) before a request is given up
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    /// Times an interrupted transfer (or a gate answer that says to retry) is resumed in this
    /// run, each with a fresh challenge
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

/// `download`: the file written and its verification.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Downloaded {
    pub asset: String,
    pub gate: String,
    pub file: String,
    /// The file's size in bytes.
    pub bytes: u64,
    /// SHA-256 of the file (hex), equal to the asset's on-chain content hash.
    pub sha256: String,
    /// Always true: a file whose hash differs is not kept (an error instead).
    pub verified: bool,
    /// Bytes already in FILE.part when the run started (resumed with a range request); 0 if none.
    pub resumed_from: u64,
    /// Bytes received from the gate in this run.
    pub transferred: u64,
    /// Data requests made, each with a fresh challenge.
    pub requests: u32,
}

impl CommandOutput for Downloaded {
    fn human(&self) -> String {
        fields(&[
            ("file", self.file.clone()),
            ("asset", self.asset.clone()),
            ("bytes", self.bytes.to_string()),
            ("sha256", self.sha256.clone()),
            (
                "content hash",
                "verified (equals the asset's on-chain content hash)".into(),
            ),
            (
                "resumed",
                if self.resumed_from == 0 {
                    "no".into()
                } else {
                    format!(
                        "from byte {} ({} bytes transferred)",
                        self.resumed_from, self.transferred
                    )
                },
            ),
        ])
    }
}

/// Why a request failed, and whether the same download may go on with a new request.
enum Failure {
    /// Worth another request (with a fresh challenge) after the delay.
    Retry(Duration, TesseraError),
    Fatal(TesseraError),
}

impl From<TesseraError> for Failure {
    fn from(e: TesseraError) -> Self {
        Failure::Fatal(e)
    }
}

/// What the gate answered to a data request.
enum Delivery {
    /// 200: the whole file from byte 0 (its length, if announced).
    Whole(Response, Option<u64>),
    /// 206: the rest, from the requested offset (the file's total length).
    Rest(Response, u64),
    /// 416: nothing from the requested offset; the file's total length.
    Unsatisfiable(u64),
}

/// The gate of one asset, as this command talks to it.
struct Gate {
    /// The `--gate` value, as given (named in errors).
    shown: String,
    /// The base URL without a trailing slash.
    base: String,
    http: Client,
    asset: Pubkey,
    /// Domains a challenge may name.
    domains: Vec<String>,
    /// A challenge was answered: the gate is reachable, later transport failures are retried.
    reached: bool,
}

impl Gate {
    fn new(gate: &str, domain: Option<&str>, asset: Pubkey, timeout: u64) -> Result<Self> {
        let url = Url::parse(gate)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| {
                TesseraError::Invalid(format!(
                    "invalid --gate `{gate}`: expected the gate's http(s) URL, e.g. https://data.example.org"
                ))
            })?;
        let domains = match domain {
            Some(d) => vec![d.to_string()],
            None => gate_domains(&url),
        };
        // The timeout bounds each step (connect, waiting for the answer, each read of the body),
        // not the whole transfer.
        let http = Client::builder()
            .connect_timeout(Duration::from_secs(timeout.min(30)))
            .timeout(Duration::from_secs(timeout))
            .build()
            .map_err(|e| TesseraError::Invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Gate {
            shown: gate.to_string(),
            base: gate.trim_end_matches('/').to_string(),
            http,
            asset,
            domains,
            reached: false,
        })
    }

    fn endpoint(&self, what: &str) -> String {
        format!("{}/v1/assets/{}/{what}", self.base, self.asset)
    }

    /// A transport failure: fatal until the gate was reached once (a wrong URL, a gate down),
    /// then worth a retry (a connection cut mid-download).
    fn transport(&self, e: reqwest::Error) -> Failure {
        let error = TesseraError::Invalid(format!("cannot reach the gate at `{}`: {}", self.shown, chain(&e)));
        if self.reached {
            Failure::Retry(Duration::from_secs(1), error)
        } else {
            Failure::Fatal(error)
        }
    }

    /// `GET …/challenge` → (nonce, expiry, domain), the domain checked against the expected ones.
    fn challenge(&mut self) -> std::result::Result<(String, i64, String), Failure> {
        let resp = self
            .http
            .get(self.endpoint("challenge"))
            .send()
            .map_err(|e| self.transport(e))?;
        if !resp.status().is_success() {
            return Err(self.refusal(resp, None));
        }
        let not_a_gate = |why: String| {
            Failure::Fatal(TesseraError::Invalid(format!(
                "the gate at `{}` did not answer a challenge (is it a `tessera serve` gate?): {why}",
                self.shown
            )))
        };
        let v: Value = resp.json().map_err(|e| not_a_gate(chain(&e)))?;
        let (Some(nonce), Some(expires), Some(domain)) =
            (v["nonce"].as_str(), v["expiresAt"].as_i64(), v["domain"].as_str())
        else {
            return Err(not_a_gate(format!("no nonce, expiresAt and domain in {v}")));
        };
        if let Some(other) = v["asset"].as_str().filter(|a| *a != self.asset.to_string()) {
            return Err(not_a_gate(format!(
                "its challenge is for asset {other}, not {}",
                self.asset
            )));
        }
        self.reached = true;
        if !self.domains.iter().any(|d| d == domain) {
            return Err(Failure::Fatal(TesseraError::Invalid(format!(
                "the gate at `{}` asks for a signature for domain `{domain}`, not {}: a proof for `{domain}` \
                 would be valid at that domain's gate; if `{domain}` is this gate's domain, pass --domain {domain}",
                self.shown,
                self.domains
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ))));
        }
        Ok((nonce.to_string(), expires, domain.to_string()))
    }

    /// A challenge, the wallet's proof, then `GET …/data` from `offset` (a range request when
    /// it is not 0).
    fn request(
        &mut self,
        wallet: &Keypair,
        offset: u64,
        redeem: Option<&str>,
    ) -> std::result::Result<Delivery, Failure> {
        let (nonce, expires, domain) = self.challenge()?;
        let signature = proof::sign(wallet, &domain, &self.asset, &nonce, expires);
        let mut req = self
            .http
            .get(self.endpoint("data"))
            .header(proof::HOLDER_HEADER, wallet.pubkey().to_string())
            .header(proof::NONCE_HEADER, nonce)
            .header(proof::SIGNATURE_HEADER, signature.to_string());
        if let Some(r) = redeem {
            req = req.header(proof::REDEEM_HEADER, r);
        }
        if offset > 0 {
            req = req.header(header::RANGE, format!("bytes={offset}-"));
        }
        let resp = req.send().map_err(|e| self.transport(e))?;
        let content_range = resp
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        match resp.status() {
            StatusCode::OK => {
                let total = resp.content_length();
                Ok(Delivery::Whole(resp, total))
            }
            StatusCode::PARTIAL_CONTENT => match content_range.as_deref().and_then(parse_content_range) {
                Some((Some(start), total)) if start == offset => Ok(Delivery::Rest(resp, total)),
                _ => Err(Failure::Fatal(TesseraError::Invalid(format!(
                    "the gate at `{}` answered the range request from byte {offset} with Content-Range {}",
                    self.shown,
                    content_range.as_deref().unwrap_or("(none)")
                )))),
            },
            StatusCode::RANGE_NOT_SATISFIABLE => match content_range.as_deref().and_then(parse_content_range) {
                Some((None, total)) => Ok(Delivery::Unsatisfiable(total)),
                _ => Err(self.refusal(resp, Some(&wallet.pubkey()))),
            },
            _ => Err(self.refusal(resp, Some(&wallet.pubkey()))),
        }
    }

    /// A refusal, with the gate's code (and the access rule's reason name when it is one).
    /// `Retry-After` answers (`redeem_pending`) and `chain_unavailable` are worth a retry.
    fn refusal(&self, resp: Response, holder: Option<&Pubkey>) -> Failure {
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
        let url = resp.url().path().to_string();
        let body: Value = resp.json().unwrap_or(Value::Null);
        let (code, message) = (body["error"].as_str(), body["message"].as_str().unwrap_or(""));
        let status_text = status.as_u16();
        let error = TesseraError::Invalid(match (code, code.and_then(access_denied)) {
            (Some(code), Some(reason)) => format!(
                "the gate at `{}` refused wallet {}: {} ({status_text} {code}: {message}); see `tessera access check {}`",
                self.shown,
                holder.map_or_else(|| "?".into(), |h| h.to_string()),
                reason.name(),
                self.asset
            ),
            (Some(code), None) => format!(
                "the gate at `{}` refused the download ({status_text} {code}): {message}",
                self.shown
            ),
            (None, _) => format!(
                "the gate at `{}` answered {status} to GET {url}: is it a `tessera serve` gate for asset {}?",
                self.shown, self.asset
            ),
        });
        match (retry_after, code) {
            (Some(secs), _) if status == StatusCode::SERVICE_UNAVAILABLE => {
                Failure::Retry(Duration::from_secs(secs.clamp(1, 30)), error)
            }
            (_, Some("chain_unavailable")) => Failure::Retry(Duration::from_secs(1), error),
            _ => Failure::Fatal(error),
        }
    }
}

/// The domains a gate at `url` may sign for by default: its host, and host:port.
fn gate_domains(url: &Url) -> Vec<String> {
    let host = url.host_str().unwrap_or_default().to_string();
    let mut domains = vec![host.clone()];
    if let Some(port) = url.port_or_known_default() {
        domains.push(format!("{host}:{port}"));
    }
    domains
}

/// `Content-Range: bytes START-END/TOTAL` → (Some(START), TOTAL); `bytes */TOTAL` → (None, TOTAL).
fn parse_content_range(v: &str) -> Option<(Option<u64>, u64)> {
    let (range, total) = v.strip_prefix("bytes ")?.split_once('/')?;
    let total = total.trim().parse().ok()?;
    if range.trim() == "*" {
        return Some((None, total));
    }
    let (start, _) = range.split_once('-')?;
    Some((Some(start.trim().parse().ok()?), total))
}

/// The access rule's reason behind a gate refusal code.
fn access_denied(code: &str) -> Option<AccessDenied> {
    Some(match code {
        "no_pass" => AccessDenied::NoPass,
        "pass_expired" => AccessDenied::PassExpired,
        "pass_revoked" => AccessDenied::PassRevoked,
        "no_access_token" => AccessDenied::NoAccessToken,
        _ => return None,
    })
}

/// An error and its sources, on one line (reqwest's own text omits e.g. "Connection refused").
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// `FILE` → `FILE.part`.
fn part_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_os_string();
    name.push(".part");
    PathBuf::from(name)
}

fn io_error(what: &str, path: &Path, e: std::io::Error) -> TesseraError {
    TesseraError::Io(std::io::Error::new(
        e.kind(),
        format!("{what} `{}`: {e}", path.display()),
    ))
}

/// Feeds the bytes an earlier run left in `part` to `hasher`; their count (0 without a file).
fn hash_existing(part: &Path, hasher: &mut Sha256) -> Result<u64> {
    let mut file = match File::open(part) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error("cannot read", part, e)),
    };
    let mut buf = vec![0u8; 1 << 16];
    let mut len = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| io_error("cannot read", part, e))?;
        if n == 0 {
            return Ok(len);
        }
        hasher.update(&buf[..n]);
        len = len.saturating_add(n as u64);
    }
}

/// The transfer's progress on stderr (drawn only on a terminal, never in JSON mode).
fn progress(format: Format) -> ProgressBar {
    if format == Format::Json {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new_spinner();
    pb.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("template"));
    pb.enable_steady_tick(Duration::from_millis(100));
    pb
}

/// Shows the byte counts once the total is known.
fn show_total(pb: &ProgressBar, total: Option<u64>, offset: u64) {
    let template = match total {
        Some(t) => {
            pb.set_length(t);
            "{spinner} {msg} {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)"
        }
        None => "{spinner} {msg} {bytes} ({bytes_per_sec})",
    };
    pb.set_style(ProgressStyle::with_template(template).expect("template"));
    pb.set_position(offset);
}

/// Appends the response body to `file` and `hasher`. Ok(None) at the body's end, Ok(Some(e))
/// when reading stopped (the connection broke or stalled); a write failure is an error.
fn stream(
    mut resp: Response,
    file: &mut File,
    part: &Path,
    hasher: &mut Sha256,
    offset: &mut u64,
    transferred: &mut u64,
    pb: &ProgressBar,
) -> Result<Option<std::io::Error>> {
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match resp.read(&mut buf) {
            Ok(0) => return Ok(None),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Ok(Some(e)),
        };
        file.write_all(&buf[..n])
            .map_err(|e| io_error("cannot write", part, e))?;
        hasher.update(&buf[..n]);
        *offset = offset.saturating_add(n as u64);
        *transferred = transferred.saturating_add(n as u64);
        pb.inc(n as u64);
    }
}

pub fn download(t: &Tessera, a: DownloadArgs, format: Format) -> Result<Report> {
    let asset = key("asset", &a.asset)?;
    let mut gate = Gate::new(&a.gate, a.domain.as_deref(), asset, a.timeout)?;
    let redeem = a
        .redeem
        .as_deref()
        .map(|r| {
            Signature::from_str(r)
                .map(|s| s.to_string())
                .map_err(|_| TesseraError::Invalid(format!("invalid --redeem `{r}`: expected a transaction signature")))
        })
        .transpose()?;
    if a.out.exists() {
        return Err(TesseraError::Invalid(format!(
            "`{}` already exists: remove it or choose another -o",
            a.out.display()
        )));
    }
    let part = part_path(&a.out);
    let expected = t.asset(&asset)?.content_hash;

    let mut hasher = Sha256::new();
    let resumed_from = hash_existing(&part, &mut hasher)?;
    let mut offset = resumed_from;
    let (mut requests, mut transferred, mut retried) = (0u32, 0u64, 0u32);
    let pb = progress(format);
    let mut file: Option<File> = None;
    loop {
        pb.set_message(if offset == 0 {
            format!("downloading {asset}")
        } else {
            format!("downloading {asset} (resuming at byte {offset})")
        });
        requests = requests.saturating_add(1);
        let failure = match gate.request(&t.payer, offset, redeem.as_deref()) {
            Err(f) => f,
            Ok(Delivery::Unsatisfiable(total)) if total == offset => break,
            Ok(Delivery::Unsatisfiable(total)) => {
                // The .part is longer than the gate's file: it is not a prefix of it; start over.
                pb.println(format!(
                    "{} ({offset} bytes) is longer than the gate's file ({total} bytes): downloading it again",
                    part.display()
                ));
                restart(&part, &mut file, &mut hasher, &mut offset)?;
                continue;
            }
            Ok(delivery) => {
                let (resp, total) = match delivery {
                    Delivery::Whole(resp, total) => {
                        // The gate sent the whole file (it ignored the range): start over.
                        if offset > 0 {
                            restart(&part, &mut file, &mut hasher, &mut offset)?;
                        }
                        (resp, total)
                    }
                    Delivery::Rest(resp, total) => (resp, Some(total)),
                    Delivery::Unsatisfiable(_) => unreachable!("matched above"),
                };
                show_total(&pb, total, offset);
                if file.is_none() {
                    let f = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&part)
                        .map_err(|e| io_error("cannot write", &part, e))?;
                    file = Some(f);
                }
                let f = file.as_mut().expect("opened above");
                let broken = stream(resp, f, &part, &mut hasher, &mut offset, &mut transferred, &pb)?;
                match (broken, total) {
                    (_, Some(total)) if offset > total => {
                        let _ = std::fs::remove_file(&part);
                        return Err(TesseraError::Invalid(format!(
                            "the gate at `{}` sent more bytes than the {total} it announced; nothing was kept",
                            gate.shown
                        )));
                    }
                    (None, Some(total)) if offset == total => break,
                    (None, None) => break,
                    (Some(e), _) => Failure::Retry(
                        Duration::from_secs(1),
                        TesseraError::Invalid(format!(
                            "the transfer from the gate at `{}` broke after {offset} bytes: {e}",
                            gate.shown
                        )),
                    ),
                    (None, Some(total)) => Failure::Retry(
                        Duration::from_secs(1),
                        TesseraError::Invalid(format!(
                            "the gate at `{}` closed the transfer at byte {offset} of {total}",
                            gate.shown
                        )),
                    ),
                }
            }
        };
        match failure {
            Failure::Retry(after, _) if retried < a.retries => {
                retried = retried.saturating_add(1);
                std::thread::sleep(after);
            }
            Failure::Retry(_, e) | Failure::Fatal(e) => {
                pb.finish_and_clear();
                return Err(if offset > 0 {
                    TesseraError::Invalid(format!(
                        "{e}; {offset} bytes are kept in `{}`: run the same command again to resume",
                        part.display()
                    ))
                } else {
                    e
                });
            }
        }
    }
    pb.finish_and_clear();
    drop(file);
    let got: [u8; 32] = hasher.finalize().into();
    if got != expected {
        let _ = std::fs::remove_file(&part);
        return Err(TesseraError::Invalid(format!(
            "SHA-256 mismatch: the {offset} bytes from the gate at `{}` hash to {}, but asset {asset}'s on-chain \
             content hash is {}; nothing was written to `{}` and the bytes were discarded",
            gate.shown,
            parse::to_hex(&got),
            parse::to_hex(&expected),
            a.out.display()
        )));
    }
    std::fs::rename(&part, &a.out).map_err(|e| io_error("cannot rename the download to", &a.out, e))?;
    Ok(Downloaded {
        asset: asset.to_string(),
        gate: gate.shown,
        file: a.out.display().to_string(),
        bytes: offset,
        sha256: parse::to_hex(&got),
        verified: true,
        resumed_from,
        transferred,
        requests,
    }
    .into())
}

/// Empties the .part and the hash: the next request asks for the whole file.
fn restart(part: &Path, file: &mut Option<File>, hasher: &mut Sha256, offset: &mut u64) -> Result<()> {
    *file = None;
    File::create(part).map_err(|e| io_error("cannot write", part, e))?;
    *hasher = Sha256::new();
    *offset = 0;
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn content_ranges_parse() {
        assert_eq!(parse_content_range("bytes 100-199/1000"), Some((Some(100), 1000)));
        assert_eq!(parse_content_range("bytes */1000"), Some((None, 1000)));
        assert_eq!(parse_content_range("bytes 1-2/*"), None);
        assert_eq!(parse_content_range("items 1-2/3"), None);
    }

    #[test]
    fn the_default_domains_are_the_gates_host_and_host_port() {
        let d = |u: &str| gate_domains(&Url::parse(u).unwrap());
        assert_eq!(d("http://127.0.0.1:8080/"), ["127.0.0.1", "127.0.0.1:8080"]);
        assert_eq!(
            d("https://data.example.org"),
            ["data.example.org", "data.example.org:443"]
        );
    }

    #[test]
    fn a_bad_gate_url_is_named() {
        for bad in ["data.example.org", "ftp://x.org", "http://", "not a url"] {
            let Err(e) = Gate::new(bad, None, Pubkey::new_unique(), 5) else {
                panic!("{bad} accepted")
            };
            assert!(e.to_string().contains(&format!("invalid --gate `{bad}`")), "{e}");
        }
    }

    #[test]
    fn gate_codes_name_the_access_rules_reasons() {
        assert_eq!(access_denied("no_pass"), Some(AccessDenied::NoPass));
        assert_eq!(access_denied("pass_expired"), Some(AccessDenied::PassExpired));
        assert_eq!(access_denied("pass_revoked"), Some(AccessDenied::PassRevoked));
        assert_eq!(access_denied("no_access_token"), Some(AccessDenied::NoAccessToken));
        assert_eq!(access_denied("bad_signature"), None);
    }

    #[test]
    fn the_part_file_sits_beside_the_file() {
        assert_eq!(
            part_path(Path::new("dir/corpus.tar")),
            PathBuf::from("dir/corpus.tar.part")
        );
    }

    #[test]
    fn downloaded_is_the_documented_json() {
        let d = Downloaded {
            asset: "A".into(),
            gate: "http://g".into(),
            file: "f.bin".into(),
            bytes: 10,
            sha256: "ab".into(),
            verified: true,
            resumed_from: 4,
            transferred: 6,
            requests: 1,
        };
        assert_eq!(
            serde_json::to_value(&d).unwrap(),
            json!({
                "asset": "A", "gate": "http://g", "file": "f.bin", "bytes": 10, "sha256": "ab",
                "verified": true, "resumedFrom": 4, "transferred": 6, "requests": 1,
            })
        );
        let human = d.human();
        assert!(human.contains("content hash  verified"), "{human}");
        assert!(
            human.contains("resumed       from byte 4 (6 bytes transferred)"),
            "{human}"
        );
    }
}
