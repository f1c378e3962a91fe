//! Request handling: challenges, proof checks, on-chain access checks, delivery.

use std::{
    str::FromStr,
    sync::Arc,
    time::{SystemTime, UNIX_EPOCH},
};

use axum::{
    body::Body,
    extract::{rejection::PathRejection, Path, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;
use solana_signature::Signature;
use tessera_client::{
    pda, proof,
    registry::state::{AccessDenied, AccessPass, Asset},
    rpc::Redemption,
    Pubkey, Tessera,
};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::{
    challenge::{Challenges, Issued, NonceError, SessionError, SESSION_TTL},
    live::LiveView,
    store::RedeemStore,
    Content,
};

/// Answer header of a delivery granted on a signed challenge: a session token; later requests
/// may send `Authorization: Bearer <token>` instead of a proof.
pub const SESSION_HEADER: &str = "x-tessera-session";
/// Beside [`SESSION_HEADER`]: the token's expiry (unix seconds).
pub const SESSION_EXPIRES_HEADER: &str = "x-tessera-session-expires";

/// Largest inference request body forwarded (larger ones get 413 before anything is read).
pub const MAX_INFER_BODY: usize = 2 * 1024 * 1024;

pub struct Gate {
    domain: String,
    asset: Pubkey,
    account: Asset,
    chain: Arc<Tessera>,
    content: Content,
    consumable: bool,
    store: RedeemStore,
    /// Stateless challenges and sessions; remembers only used, unexpired nonces.
    challenges: Challenges,
    /// Seconds a nonce lives (≤ 300).
    nonce_ttl: i64,
    /// The passes, balances and clock in memory (see [`super::live`]); while it is stale (or
    /// absent) they are read over RPC.
    live: Option<LiveView>,
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// A refusal: status, machine-readable code, message.
pub struct Refusal(StatusCode, &'static str, String, Option<u64>);

impl Refusal {
    /// Adds `Retry-After: SECS` (a refusal that the same request may overcome later).
    fn retry_after(mut self, secs: u64) -> Self {
        self.3 = Some(secs);
        self
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(json!({ "error": self.1, "message": self.2 }))).into_response();
        if let Some(secs) = self.3 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal(status, code, message.into(), None)
}

/// The gate's answer to each reason of the registry's access rule.
fn denied(reason: AccessDenied) -> Refusal {
    match reason {
        AccessDenied::NoPass => refuse(
            StatusCode::FORBIDDEN,
            "no_pass",
            "the holder has no pass for this asset",
        ),
        AccessDenied::PassExpired => refuse(StatusCode::FORBIDDEN, "pass_expired", "the holder's pass has expired"),
        AccessDenied::PassRevoked => refuse(StatusCode::FORBIDDEN, "pass_revoked", "the holder's pass was revoked"),
        AccessDenied::NoAccessToken => refuse(
            StatusCode::FORBIDDEN,
            "no_access_token",
            "the holder holds no access token in any token account",
        ),
    }
}

/// `Retry-After` of a `redeem_pending` answer.
const REDEEM_RETRY_AFTER_SECS: u64 = 1;

impl Gate {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        domain: String,
        asset: Pubkey,
        account: Asset,
        chain: Tessera,
        content: Content,
        consumable: bool,
        store: RedeemStore,
        nonce_ttl: i64,
    ) -> Self {
        Self {
            challenges: Challenges::new(domain.clone()),
            domain,
            asset,
            account,
            chain: Arc::new(chain),
            content,
            consumable,
            store,
            nonce_ttl,
            live: None,
        }
    }

    /// Checks access against `live` while it is fresh (no RPC call), over RPC otherwise.
    pub fn with_live(mut self, live: LiveView) -> Self {
        self.live = Some(live);
        self
    }

    fn check_asset(&self, path_asset: &str) -> Result<(), Refusal> {
        match Pubkey::from_str(path_asset) {
            Ok(k) if k == self.asset => Ok(()),
            _ => Err(refuse(
                StatusCode::NOT_FOUND,
                "unknown_asset",
                format!("this server does not serve asset `{path_asset}`"),
            )),
        }
    }

    /// A challenge nonce: nothing is stored (see [`super::challenge`]).
    fn issue_nonce(&self) -> (String, i64) {
        let expires = now().saturating_add(self.nonce_ttl);
        (self.challenges.issue(&self.asset, expires), expires)
    }

    /// Used nonces remembered now (they are forgotten at their expiry).
    #[cfg(test)]
    pub fn used_nonces(&self) -> usize {
        self.challenges.used_len()
    }

    /// The holder of a signed challenge (checked, not yet used), or of a session token
    /// (`Authorization: Bearer`).
    /// At a consumable gate, also the `X-Tessera-Redeem` header: a malformed one is refused
    /// before any RPC call.
    #[allow(clippy::type_complexity)]
    fn prove(&self, headers: &HeaderMap) -> Result<(Pubkey, Option<Issued>, Option<(String, Signature)>), Refusal> {
        let redeem = |headers: &HeaderMap| {
            if self.consumable {
                redeem_header(headers)
            } else {
                Ok(None)
            }
        };
        // Another scheme (e.g. a proxy's Basic authentication) is not the gate's: ignored.
        let auth = text_header(headers, header::AUTHORIZATION.as_str())?;
        if let Some(token) = auth.as_deref().and_then(|a| a.strip_prefix("Bearer ")) {
            return match self.challenges.check_session(token.trim(), &self.asset, now()) {
                Ok((holder, _)) => Ok((holder, None, redeem(headers)?)),
                Err(SessionError::Invalid) => Err(refuse(
                    StatusCode::UNAUTHORIZED,
                    "bad_session",
                    "this session token was not issued by this gate for this asset; sign a new challenge",
                )),
                Err(SessionError::Expired) => Err(refuse(
                    StatusCode::UNAUTHORIZED,
                    "session_expired",
                    "this session has expired; sign a new challenge",
                )),
            };
        }
        let (holder, nonce, signature) = (
            text_header(headers, proof::HOLDER_HEADER)?,
            text_header(headers, proof::NONCE_HEADER)?,
            text_header(headers, proof::SIGNATURE_HEADER)?,
        );
        let (Some(holder), Some(nonce), Some(signature)) = (holder, nonce, signature) else {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "missing_proof",
                "send X-Tessera-Holder, X-Tessera-Nonce and X-Tessera-Signature (or Authorization: Bearer <session token>)",
            ));
        };
        let holder = Pubkey::from_str(&holder).map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("X-Tessera-Holder `{holder}` is not a base58 address"),
            )
        })?;
        let redeem = redeem(headers)?;
        let issued = self
            .challenges
            .check(&nonce, &self.asset, now())
            .map_err(nonce_refusal)?;
        if !proof::verify(&holder, &signature, &self.domain, &self.asset, &nonce, issued.expires) {
            return Err(refuse(
                StatusCode::UNAUTHORIZED,
                "bad_signature",
                "the signature does not match the holder and the challenge",
            ));
        }
        Ok((holder, Some(issued), redeem))
    }

    /// Uses the nonce of a granted proof (once), and issues its session: expiring in at most
    /// [`SESSION_TTL`] seconds and no later than the pass (`pass_expires`: `None` if perpetual).
    fn grant(
        &self,
        holder: &Pubkey,
        issued: Option<Issued>,
        pass_expires: Option<i64>,
    ) -> Result<Option<Session>, Refusal> {
        let Some(issued) = issued else { return Ok(None) };
        let t = now();
        self.challenges.spend(issued, t).map_err(nonce_refusal)?;
        let expires = pass_expires.map_or(t.saturating_add(SESSION_TTL), |p| p.min(t.saturating_add(SESSION_TTL)));
        Ok((expires > t).then(|| Session {
            token: self.challenges.session(holder, &self.asset, expires),
            expires,
        }))
    }

    /// Checks the proof headers and, on chain, the holder's access; returns the holder and, at
    /// a consumable gate, the redemption unit this request spends.
    ///
    /// - Plain gate: a valid pass (not revoked, not expired) and at least one access token in
    ///   any token account of the holder, as `verify_access` checks on chain.
    /// - Consumable gate: the pass must exist and not be revoked, and the request must bring a
    ///   confirmed `redeem_access` of this holder and asset (`X-Tessera-Redeem`) with a unit left.
    ///   No access-token balance is needed: the redemption burnt the tokens that pay for it, and
    ///   it was checked against a valid pass when it ran, so a pass that has expired since does
    ///   not void it.
    ///
    /// The proof is a signed challenge or a session token; either way the pass and balance are
    /// checked for every request, so a revocation ends a session at once: from the live view
    /// while it is fresh (kept current by websocket subscriptions, no RPC call), over RPC when it
    /// is stale.
    async fn authorize(&self, headers: &HeaderMap) -> Result<Authorized<'_>, Refusal> {
        let (holder, issued, redeem) = self.prove(headers)?;
        if self.consumable {
            let pass = match self.live.as_ref().and_then(|l| l.pass(&self.asset, &holder)) {
                Some(pass) => pass,
                None => {
                    let (chain, pass) = (self.chain.clone(), pda::pass(&self.asset, &holder));
                    tokio::task::spawn_blocking(move || chain.fetch_opt::<AccessPass>(&pass))
                        .await
                        .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
                        .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
                }
            };
            // A redemption was checked against a valid pass when it ran: only a missing or
            // revoked pass refuses it now, not an expiry or an empty balance.
            let pass_expires = match pass {
                None => return Err(denied(AccessDenied::NoPass)),
                Some(p) if p.revoked => return Err(denied(AccessDenied::PassRevoked)),
                Some(p) => (!p.perpetual).then_some(p.expires_at),
            };
            let Some((text, signature)) = redeem else {
                return Err(refuse(
                    StatusCode::FORBIDDEN,
                    "redeem_required",
                    "this asset is consumable: send X-Tessera-Redeem with the signature of a confirmed redeem_access transaction (N tokens redeemed pay for N deliveries)",
                ));
            };
            let session = self.grant(&holder, issued, pass_expires)?;
            let spent = self.spend_redemption(text, signature, &holder).await?;
            return Ok(Authorized {
                holder,
                spent: Some(spent),
                session,
            });
        }
        let report = match self.live.as_ref().and_then(|l| l.access(&self.asset, &holder)) {
            Some(report) => report,
            None => {
                let (chain, asset, account) = (self.chain.clone(), self.asset, self.account.clone());
                tokio::task::spawn_blocking(move || chain.access_for(&asset, &account, &holder))
                    .await
                    .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
                    .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
            }
        };
        match report.reason {
            None => Ok(Authorized {
                holder,
                spent: None,
                session: self.grant(&holder, issued, report.expires_at)?,
            }),
            Some(reason) => Err(denied(reason)),
        }
    }

    /// Consumable gates: spends one unit of the holder's redemption `signature` of this asset.
    /// A redemption seen for the first time is read from the chain (the units this holder
    /// redeemed of this asset in that confirmed transaction) and recorded; after that the store
    /// alone decides, so N units pay for N deliveries in total, across restarts.
    async fn spend_redemption(
        &self,
        text: String,
        signature: Signature,
        holder: &Pubkey,
    ) -> Result<Spent<'_>, Refusal> {
        let (h, a) = (holder.to_string(), self.asset.to_string());
        let store_error =
            |e: tessera_client::TesseraError| refuse(StatusCode::INTERNAL_SERVER_ERROR, "store_error", e.to_string());
        let used_up = |units: u64| {
            refuse(
                StatusCode::FORBIDDEN,
                "redeem_reused",
                format!(
                    "this redemption paid for {units} deliver{} and all were used; redeem more access tokens",
                    if units == 1 { "y" } else { "ies" }
                ),
            )
        };
        match self.store.get(&text, &h, &a).map_err(store_error)? {
            Some(r) if r.used >= r.units => return Err(used_up(r.units)),
            Some(_) => {}
            None => {
                let (chain, asset, holder) = (self.chain.clone(), self.asset, *holder);
                let redemption = tokio::task::spawn_blocking(move || chain.redeemed_units(&signature, &asset, &holder))
                    .await
                    .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?
                    .map_err(|e| refuse(StatusCode::BAD_GATEWAY, "chain_unavailable", e.to_string()))?;
                let units = match redemption {
                    Redemption::Units(units) if units > 0 => units,
                    Redemption::NotServedYet => {
                        return Err(refuse(
                            StatusCode::SERVICE_UNAVAILABLE,
                            "redeem_pending",
                            "the redemption is confirmed but the RPC node does not serve its transaction yet; retry shortly",
                        )
                        .retry_after(REDEEM_RETRY_AFTER_SECS));
                    }
                    Redemption::Units(_) | Redemption::Unknown => {
                        return Err(refuse(
                            StatusCode::FORBIDDEN,
                            "redeem_invalid",
                            "no confirmed redeem_access of this asset by this holder in that transaction",
                        ));
                    }
                };
                self.store.record(&text, &h, &a, units, now()).map_err(store_error)?;
            }
        }
        match self.store.use_one(&text, &h, &a, now()).map_err(store_error)? {
            Some(r) => Ok(Spent {
                store: &self.store,
                signature: text,
                holder: h,
                asset: a,
                remaining: r.units.saturating_sub(r.used),
                delivered: false,
            }),
            None => {
                let units = self
                    .store
                    .get(&text, &h, &a)
                    .map_err(store_error)?
                    .map_or(0, |r| r.units);
                Err(used_up(units))
            }
        }
    }
}

/// A granted request: the holder, the redemption unit it spends (consumable gates) and, when
/// it came with a signed challenge, its new session.
struct Authorized<'a> {
    holder: Pubkey,
    spent: Option<Spent<'a>>,
    session: Option<Session>,
}

struct Session {
    token: String,
    expires: i64,
}

impl Session {
    /// Adds `X-Tessera-Session` and `X-Tessera-Session-Expires` to a delivery.
    fn attach(self, response: &mut Response) {
        if let Ok(v) = HeaderValue::from_str(&self.token) {
            response.headers_mut().insert(SESSION_HEADER, v);
            response
                .headers_mut()
                .insert(SESSION_EXPIRES_HEADER, HeaderValue::from(self.expires));
        }
    }
}

/// The refusal of a nonce.
fn nonce_refusal(e: NonceError) -> Refusal {
    match e {
        NonceError::Unknown => refuse(
            StatusCode::UNAUTHORIZED,
            "unknown_nonce",
            "this nonce was not issued by this server",
        ),
        NonceError::Replayed => refuse(
            StatusCode::UNAUTHORIZED,
            "replayed_nonce",
            "this nonce was already used",
        ),
        NonceError::Expired => refuse(
            StatusCode::UNAUTHORIZED,
            "expired_nonce",
            "this nonce has expired; ask for a new challenge",
        ),
        NonceError::Busy => refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "gate_busy",
            "too many challenges are in use; retry shortly",
        )
        .retry_after(1),
    }
}

/// One delivery paid by a redemption unit. Given back to the store when dropped undelivered
/// (the upstream failed, the body could not be read, the client went away), so that a unit
/// pays only for content actually sent.
pub struct Spent<'a> {
    store: &'a RedeemStore,
    signature: String,
    holder: String,
    asset: String,
    /// Units of the redemption left after this one.
    remaining: u64,
    delivered: bool,
}

impl Spent<'_> {
    /// The content is being sent: the unit stays spent. Adds `X-Tessera-Redeem-Remaining`.
    fn deliver(mut self, response: &mut Response) {
        self.delivered = true;
        response
            .headers_mut()
            .insert(proof::REDEEM_REMAINING_HEADER, HeaderValue::from(self.remaining));
    }
}

impl Drop for Spent<'_> {
    fn drop(&mut self) {
        if !self.delivered {
            if let Err(e) = self.store.give_back(&self.signature, &self.holder, &self.asset) {
                eprintln!(
                    "{} redeem store: could not give back a unit of {}: {e}",
                    now(),
                    self.signature
                );
            }
        }
    }
}

/// The `X-Tessera-Redeem` header, parsed: `None` if absent, a 400 if not a signature.
fn redeem_header(headers: &HeaderMap) -> Result<Option<(String, Signature)>, Refusal> {
    let Some(text) = text_header(headers, proof::REDEEM_HEADER)? else {
        return Ok(None);
    };
    let signature = Signature::from_str(&text).map_err(|_| {
        refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("X-Tessera-Redeem `{text}` is not a transaction signature"),
        )
    })?;
    Ok(Some((signature.to_string(), signature)))
}

/// A header's value as text; a header that is there but not visible ASCII is a bad request
/// (not a missing one).
fn text_header(headers: &HeaderMap, name: &str) -> Result<Option<String>, Refusal> {
    match headers.get(name) {
        None => Ok(None),
        Some(v) => v.to_str().map(|s| Some(s.to_string())).map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "bad_request",
                format!("{} is not visible ASCII text", canonical(name)),
            )
        }),
    }
}

/// `x-tessera-holder` → `X-Tessera-Holder`, as the messages name headers.
fn canonical(name: &str) -> String {
    name.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
        })
        .collect::<Vec<_>>()
        .join("-")
}

/// The `{asset}` path segment, or a 400 when it cannot be decoded (e.g. not UTF-8).
fn path_asset(path: Result<Path<String>, PathRejection>) -> Result<String, Refusal> {
    path.map(|Path(a)| a).map_err(|e| {
        refuse(
            StatusCode::BAD_REQUEST,
            "bad_request",
            format!("the asset in the path is not a valid address: {}", e.body_text()),
        )
    })
}

/// The log's word for an allowed request: `allow`, or at a consumable gate the redemption
/// units left.
fn allowed(spent: Option<&Spent<'_>>) -> String {
    spent.map_or_else(
        || "allow".to_string(),
        |s| format!("allow (redemption {}: {} left)", s.signature, s.remaining),
    )
}

fn log(method: &str, path: &str, holder: Option<&Pubkey>, decision: &str) {
    eprintln!(
        "{} {method} {path} holder={} {decision}",
        now(),
        holder.map_or_else(|| "-".to_string(), |h| h.to_string())
    );
}

pub async fn challenge(State(g): State<Arc<Gate>>, asset: Result<Path<String>, PathRejection>) -> Response {
    let asset = match path_asset(asset) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let path = format!("/v1/assets/{asset}/challenge");
    if let Err(r) = g.check_asset(&asset) {
        log("GET", &path, None, &format!("deny {}", r.1));
        return r.into_response();
    }
    // Not logged: a flood of challenges costs neither memory nor log space.
    let (nonce, expires) = g.issue_nonce();
    Json(json!({
        "asset": g.asset.to_string(),
        "domain": g.domain,
        "nonce": nonce,
        "expiresAt": expires,
        "message": proof::message(&g.domain, &g.asset, &nonce, expires),
    }))
    .into_response()
}

pub async fn data(State(g): State<Arc<Gate>>, asset: Result<Path<String>, PathRejection>, req: Request) -> Response {
    let asset = match path_asset(asset) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let path = format!("/v1/assets/{asset}/data");
    if let Err(r) = g.check_asset(&asset) {
        log("GET", &path, None, &format!("deny {}", r.1));
        return r.into_response();
    }
    let Content::File(file) = &g.content else {
        return refuse(
            StatusCode::NOT_FOUND,
            "not_a_dataset",
            "this server forwards inference requests: POST /v1/assets/{asset}/infer",
        )
        .into_response();
    };
    match g.authorize(req.headers()).await {
        Err(r) => {
            log("GET", &path, None, &format!("deny {}", r.1));
            r.into_response()
        }
        Ok(Authorized { holder, spent, session }) => {
            log("GET", &path, Some(&holder), &allowed(spent.as_ref()));
            match ServeFile::new(file).oneshot(req).await {
                Ok(resp) => {
                    let mut resp = resp.map(Body::new);
                    // A unit pays only for content sent (not e.g. a 416 for a bad range).
                    if let Some(spent) = spent.filter(|_| resp.status().is_success()) {
                        spent.deliver(&mut resp);
                    }
                    if let Some(session) = session {
                        session.attach(&mut resp);
                    }
                    resp
                }
                Err(e) => refuse(StatusCode::INTERNAL_SERVER_ERROR, "io_error", e.to_string()).into_response(),
            }
        }
    }
}

pub async fn infer(State(g): State<Arc<Gate>>, asset: Result<Path<String>, PathRejection>, req: Request) -> Response {
    let asset = match path_asset(asset) {
        Ok(a) => a,
        Err(r) => return r.into_response(),
    };
    let (parts, body) = req.into_parts();
    let headers = parts.headers;
    let path = format!("/v1/assets/{asset}/infer");
    if let Err(r) = g.check_asset(&asset) {
        log("POST", &path, None, &format!("deny {}", r.1));
        return r.into_response();
    }
    let Content::Upstream { url, client } = &g.content else {
        return refuse(
            StatusCode::NOT_FOUND,
            "not_a_model",
            "this server delivers a dataset: GET /v1/assets/{asset}/data",
        )
        .into_response();
    };
    // A declared length over the limit is refused before anything is read (or authorized).
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_INFER_BODY as u64) {
        log("POST", &path, None, "deny payload_too_large");
        return too_large().into_response();
    }
    let Authorized { holder, spent, session } = match g.authorize(&headers).await {
        Err(r) => {
            log("POST", &path, None, &format!("deny {}", r.1));
            return r.into_response();
        }
        Ok(h) => h,
    };
    let body = match axum::body::to_bytes(body, MAX_INFER_BODY).await {
        Ok(b) => b,
        Err(e) => {
            let too_big = std::error::Error::source(&e).is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            log("POST", &path, Some(&holder), "deny unreadable body");
            return if too_big {
                too_large().into_response()
            } else {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    format!("the request body could not be read (truncated?): {e}"),
                )
                .into_response()
            };
        }
    };
    let mut upstream = client.post(url).body(body);
    if let Some(ct) = headers.get("content-type") {
        upstream = upstream.header("content-type", ct.clone());
    }
    match upstream.send().await {
        Ok(resp) => {
            let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            let ct = resp.headers().get("content-type").cloned();
            log(
                "POST",
                &path,
                Some(&holder),
                &format!("{} upstream {status}", allowed(spent.as_ref())),
            );
            // Streamed, never buffered: a model's answer (tokens as they come, or a large
            // output) reaches the holder as the upstream sends it. An upstream failure after
            // the headers ends the body early (the connection closes) instead of a 502.
            let mut r = (status, Body::new(reqwest::Body::from(resp))).into_response();
            if let Some(ct) = ct.and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok()) {
                r.headers_mut().insert("content-type", ct);
            }
            // The upstream answered: the unit is spent, whatever its status.
            if let Some(spent) = spent {
                spent.deliver(&mut r);
            }
            if let Some(session) = session {
                session.attach(&mut r);
            }
            r
        }
        Err(e) if e.is_timeout() => {
            log("POST", &path, Some(&holder), "upstream timeout");
            refuse(
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
                "the inference upstream did not answer in time",
            )
            .into_response()
        }
        Err(e) => {
            log("POST", &path, Some(&holder), "upstream error");
            refuse(
                StatusCode::BAD_GATEWAY,
                "upstream_error",
                format!("the inference upstream failed: {e}"),
            )
            .into_response()
        }
    }
}

fn too_large() -> Refusal {
    refuse(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is over the {MAX_INFER_BODY}-byte limit"),
    )
}

/// A known route with the wrong method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> Response {
    let (allow, header_value) = if uri.path().ends_with("/infer") {
        ("POST", "POST")
    } else {
        ("GET", "GET, HEAD")
    };
    let mut r = refuse(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("`{method}` is not allowed on {}: use {allow}", uri.path()),
    )
    .into_response();
    r.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(header_value));
    r
}

pub async fn not_found() -> Response {
    refuse(
        StatusCode::NOT_FOUND,
        "not_found",
        "routes: GET /v1/assets/{asset}/challenge, GET /v1/assets/{asset}/data, POST /v1/assets/{asset}/infer",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_the_same_request_may_overcome_says_when_to_retry() {
        let pending = refuse(StatusCode::SERVICE_UNAVAILABLE, "redeem_pending", "not served yet")
            .retry_after(REDEEM_RETRY_AFTER_SECS)
            .into_response();
        assert_eq!(pending.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(pending.headers()[header::RETRY_AFTER], "1");
        let final_refusal = denied(AccessDenied::PassRevoked).into_response();
        assert_eq!(final_refusal.status(), StatusCode::FORBIDDEN);
        assert!(final_refusal.headers().get(header::RETRY_AFTER).is_none());
    }

    fn rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap()
    }

    /// A million challenge requests through the handler, in process (no TCP: at debug speed a
    /// million HTTP round trips would take minutes): the gate remembers nothing for them and
    /// its memory stays flat; a holder's proof made afterwards is still accepted, once.
    ///
    /// The resident memory is the process's: the test re-runs itself alone in a child process
    /// of this test binary, so the other tests running beside it (threads of this process) do
    /// not count in the measure.
    #[test]
    fn a_flood_of_challenges_costs_no_memory() {
        use anchor_lang::AnchorDeserialize;
        const CHILD: &str = "TESSERA_FLOOD_TEST_CHILD";
        if std::env::var_os(CHILD).is_none() {
            let name = "serve::gate::tests::a_flood_of_challenges_costs_no_memory";
            let out = std::process::Command::new(std::env::current_exe().unwrap())
                .args([name, "--exact", "--nocapture", "--test-threads", "1"])
                .env(CHILD, "1")
                .output()
                .unwrap();
            let (stdout, stderr) = (
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr),
            );
            eprint!("{stderr}");
            assert!(
                out.status.success(),
                "the flood test failed in its process:\n{stdout}\n{stderr}"
            );
            assert!(stdout.contains("1 passed"), "the child ran no test:\n{stdout}");
            return;
        }
        let dir = std::env::temp_dir().join(format!("tessera-gate-flood-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let asset = Pubkey::new_unique();
        let account = Asset::deserialize(&mut &vec![0u8; 4096][..]).unwrap();
        let chain = Tessera::new(
            "http://127.0.0.1:9",
            solana_keypair::Keypair::new(),
            solana_commitment_config::CommitmentConfig::confirmed(),
        );
        let g = Arc::new(Gate::new(
            "data.test".into(),
            asset,
            account,
            chain,
            Content::File(dir.join("none")),
            false,
            RedeemStore::open(&dir.join("redeemed.sqlite3")).unwrap(),
            300,
        ));
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let ask = |n: usize| {
            rt.block_on(async {
                let mut last = None;
                for _ in 0..n {
                    let r = challenge(State(g.clone()), Ok(Path(asset.to_string()))).await;
                    assert_eq!(r.status(), StatusCode::OK);
                    last = Some(r);
                }
                last.unwrap()
            })
        };
        // Warm up the allocator, then measure.
        ask(20_000);
        let before = rss_kib();
        ask(1_000_000);
        let after = rss_kib();
        assert_eq!(g.used_nonces(), 0, "a challenge stores nothing");
        assert!(
            after <= before + 4 * 1024,
            "RSS grew from {before} KiB to {after} KiB over a million challenges"
        );
        eprintln!("1,000,000 challenges: VmRSS {before} KiB before, {after} KiB after");

        // A holder's proof on a challenge issued after the flood passes the proof check, once.
        let body = rt.block_on(axum::body::to_bytes(ask(1).into_body(), 4096)).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
        let (nonce, expires) = (v["nonce"].as_str().unwrap(), v["expiresAt"].as_i64().unwrap());
        let holder = solana_keypair::Keypair::new();
        let holder_key = solana_signer::Signer::pubkey(&holder);
        let mut headers = HeaderMap::new();
        headers.insert(proof::HOLDER_HEADER, holder_key.to_string().parse().unwrap());
        headers.insert(proof::NONCE_HEADER, nonce.parse().unwrap());
        let sig = proof::sign(&holder, "data.test", &asset, nonce, expires);
        headers.insert(proof::SIGNATURE_HEADER, sig.to_string().parse().unwrap());
        let (who, issued, _) = g.prove(&headers).unwrap_or_else(|r| panic!("{}", r.2));
        assert_eq!(who, holder_key);
        let session = g.grant(&who, issued, None).ok().flatten().expect("a session");
        assert_eq!(g.used_nonces(), 1);
        assert_eq!(g.prove(&headers).err().map(|r| r.1), Some("replayed_nonce"));
        // Its session token stands in for the proof.
        let mut bearer = HeaderMap::new();
        bearer.insert(
            header::AUTHORIZATION,
            format!("Bearer {}", session.token).parse().unwrap(),
        );
        let (who, issued, _) = g.prove(&bearer).unwrap_or_else(|r| panic!("{}", r.2));
        assert_eq!((who, issued), (holder_key, None));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
