//! CORS for browsers (`tessera serve --cors-origin ORIGIN`, repeatable, `*` for any origin), on
//! the access gate and on the metered gate alike; `tessera index serve --cors-origin` answers
//! browsers the same way (the web app's dashboards read the indexer's API).
//!
//! Without the flag the gate sends no CORS header at all. With it:
//! - a preflight (`OPTIONS`) from an allowed origin is answered `200` with
//!   `Access-Control-Allow-Origin` (the origin itself, or `*`), `Access-Control-Allow-Methods`
//!   ([`ALLOW_METHODS`]), `Access-Control-Allow-Headers` ([`ALLOW_HEADERS`]: every header the
//!   gate reads) and `Access-Control-Max-Age` ([`MAX_AGE_SECS`]);
//! - every answer to an allowed origin (deliveries and refusals alike) carries
//!   `Access-Control-Allow-Origin` and `Access-Control-Expose-Headers` ([`EXPOSE_HEADERS`]: every
//!   header the gate sets in its answers), so that the page's script reads them;
//! - a request from any other origin gets no `Access-Control-*` header (the browser then hides
//!   the answer from the page); `Vary: origin, …` is always sent.
//!
//! No credentials (cookies) are involved: the gate authenticates by signed headers, so
//! `Access-Control-Allow-Credentials` is never sent.

use std::time::Duration;

use axum::{
    http::{header, HeaderName, HeaderValue, Method},
    response::Response,
    Router,
};
use tessera_client::{channel::VOUCHER_HEADER, proof, Result, TesseraError};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::{
    gate::{SESSION_EXPIRES_HEADER, SESSION_HEADER},
    metered::{ACCEPTED_HEADER, FREE_CALLS_LEFT_HEADER, REMAINING_HEADER, RETRY_HEADER},
};

/// Methods a page may use.
pub const ALLOW_METHODS: [Method; 4] = [Method::GET, Method::HEAD, Method::POST, Method::OPTIONS];

/// Request headers a page may send: all that the gate reads.
pub const ALLOW_HEADERS: [&str; 8] = [
    "content-type",
    "range",
    // A session's bearer token (`Authorization: Bearer …`).
    "authorization",
    proof::HOLDER_HEADER,
    proof::NONCE_HEADER,
    proof::SIGNATURE_HEADER,
    proof::REDEEM_HEADER,
    VOUCHER_HEADER,
];

/// Answer headers a page may read: all that the gate sets (beside the CORS-safelisted ones).
pub const EXPOSE_HEADERS: [&str; 12] = [
    SESSION_HEADER,
    SESSION_EXPIRES_HEADER,
    ACCEPTED_HEADER,
    REMAINING_HEADER,
    RETRY_HEADER,
    FREE_CALLS_LEFT_HEADER,
    proof::REDEEM_REMAINING_HEADER,
    "retry-after",
    "allow",
    "content-range",
    "accept-ranges",
    "etag",
];

/// How long a browser may cache a preflight's answer.
pub const MAX_AGE_SECS: u64 = 600;

/// The origins of `--cors-origin`, checked: `*` alone, or each `scheme://host[:port]` with
/// scheme `http` or `https` and nothing after the authority (a browser's `Origin` never has a
/// path nor a trailing `/`).
pub fn origins(values: &[String]) -> Result<Option<AllowOrigin>> {
    if values.is_empty() {
        return Ok(None);
    }
    if values.iter().any(|v| v == "*") {
        if values.len() > 1 {
            return Err(TesseraError::Invalid(
                "--cors-origin `*` allows every origin: give it alone, not with other origins".into(),
            ));
        }
        return Ok(Some(AllowOrigin::any()));
    }
    let mut list = Vec::with_capacity(values.len());
    for v in values {
        let authority = v
            .strip_prefix("https://")
            .or_else(|| v.strip_prefix("http://"))
            .ok_or_else(|| {
                TesseraError::Invalid(format!(
                    "--cors-origin `{v}`: expected `*` or an origin such as https://app.example.org"
                ))
            })?;
        if authority.is_empty()
            || authority
                .chars()
                .any(|c| matches!(c, '/' | '?' | '#' | '@') || c.is_whitespace() || c.is_control())
        {
            return Err(TesseraError::Invalid(format!(
                "--cors-origin `{v}`: an origin is scheme://host[:port], with no path, query or trailing `/`"
            )));
        }
        let value = HeaderValue::from_str(v)
            .map_err(|_| TesseraError::Invalid(format!("--cors-origin `{v}`: not a valid header value")))?;
        list.push(value);
    }
    Ok(Some(AllowOrigin::list(list)))
}

/// The CORS layer for `allow`.
pub fn layer(allow: AllowOrigin) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods(ALLOW_METHODS)
        .allow_headers(ALLOW_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSE_HEADERS.map(HeaderName::from_static))
        .max_age(Duration::from_secs(MAX_AGE_SECS))
}

/// An answer to an origin that is not allowed keeps no `Access-Control-*` header (the CORS
/// layer sends the methods and headers in every preflight answer).
async fn only_for_allowed_origins(mut r: Response) -> Response {
    if !r.headers().contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN) {
        let names: Vec<HeaderName> = r
            .headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for k in names {
            r.headers_mut().remove(k);
        }
    }
    r
}

/// `app` answering browsers from `allow` (unchanged when `None`).
pub fn apply(app: Router, allow: Option<AllowOrigin>) -> Router {
    match allow {
        None => app,
        Some(allow) => app
            .layer(layer(allow))
            .layer(axum::middleware::map_response(only_for_allowed_origins)),
    }
}

#[cfg(test)]
mod tests {
    use axum::{body::Body, http::Request, http::StatusCode, routing::get, routing::post};
    use tower::ServiceExt;

    use super::*;

    /// A router shaped like the gates': a GET route, a POST route, their fallbacks.
    fn app() -> Router {
        Router::new()
            .route("/v1/assets/{asset}/challenge", get(|| async { "nonce" }))
            .route(
                "/v1/assets/{asset}/infer",
                post(|| async {
                    let mut r = Response::new(Body::from("paid"));
                    r.headers_mut().insert(ACCEPTED_HEADER, HeaderValue::from(10u64));
                    r
                }),
            )
            .fallback(super::super::gate::not_found)
            .method_not_allowed_fallback(super::super::gate::method_not_allowed)
    }

    fn preflight(origin: &str, path: &str) -> Request<Body> {
        Request::builder()
            .method(Method::OPTIONS)
            .uri(path)
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
            .header(
                header::ACCESS_CONTROL_REQUEST_HEADERS,
                "content-type,x-tessera-voucher,x-tessera-holder",
            )
            .body(Body::empty())
            .unwrap()
    }

    fn cors_headers(r: &Response) -> Vec<String> {
        r.headers()
            .keys()
            .filter(|k| k.as_str().starts_with("access-control-"))
            .map(|k| k.to_string())
            .collect()
    }

    fn list(r: &Response, name: HeaderName) -> Vec<String> {
        r.headers()
            .get_all(name)
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(',').map(|s| s.trim().to_ascii_lowercase()))
            .collect()
    }

    #[tokio::test]
    async fn a_preflight_from_an_allowed_origin_gets_the_allow_headers() {
        let allow = origins(&["https://app.test".into(), "http://localhost:5173".into()]).unwrap();
        let app = apply(app(), allow);
        for path in ["/v1/assets/x/infer", "/v1/assets/x/challenge"] {
            let r = app.clone().oneshot(preflight("https://app.test", path)).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.test");
            let headers = list(&r, header::ACCESS_CONTROL_ALLOW_HEADERS);
            for h in ALLOW_HEADERS {
                assert!(headers.contains(&h.to_string()), "{h} in {headers:?}");
            }
            let methods = list(&r, header::ACCESS_CONTROL_ALLOW_METHODS);
            assert!(methods.contains(&"post".to_string()) && methods.contains(&"get".to_string()));
            assert_eq!(r.headers()[header::ACCESS_CONTROL_MAX_AGE], "600");
            assert!(r.headers().get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
        }
        // The second origin too; the answer to the real call exposes the gate's headers.
        let call = Request::builder()
            .method(Method::POST)
            .uri("/v1/assets/x/infer")
            .header(header::ORIGIN, "http://localhost:5173")
            .body(Body::empty())
            .unwrap();
        let r = app.clone().oneshot(call).await.unwrap();
        assert_eq!(
            r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN],
            "http://localhost:5173"
        );
        let exposed = list(&r, header::ACCESS_CONTROL_EXPOSE_HEADERS);
        for h in EXPOSE_HEADERS {
            assert!(exposed.contains(&h.to_string()), "{h} in {exposed:?}");
        }
        // A refusal (here a 404) is readable by the page as well.
        let missing = Request::builder()
            .uri("/nowhere")
            .header(header::ORIGIN, "https://app.test")
            .body(Body::empty())
            .unwrap();
        let r = app.oneshot(missing).await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "https://app.test");
    }

    #[tokio::test]
    async fn another_origin_gets_no_cors_header() {
        let app = apply(app(), origins(&["https://app.test".into()]).unwrap());
        for origin in ["https://evil.test", "https://app.test.evil.test", "http://app.test"] {
            let r = app
                .clone()
                .oneshot(preflight(origin, "/v1/assets/x/infer"))
                .await
                .unwrap();
            assert_eq!(cors_headers(&r), Vec::<String>::new(), "{origin}");
            let call = Request::builder()
                .method(Method::POST)
                .uri("/v1/assets/x/infer")
                .header(header::ORIGIN, origin)
                .body(Body::empty())
                .unwrap();
            let r = app.clone().oneshot(call).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "served, but the browser hides it");
            assert_eq!(cors_headers(&r), Vec::<String>::new(), "{origin}");
        }
    }

    #[tokio::test]
    async fn without_the_flag_there_is_no_cors_header_and_a_star_allows_any_origin() {
        assert!(origins(&[]).unwrap().is_none());
        let plain = apply(app(), None);
        let r = plain
            .oneshot(preflight("https://app.test", "/v1/assets/x/infer"))
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(cors_headers(&r), Vec::<String>::new());

        let star = apply(app(), origins(&["*".into()]).unwrap());
        let r = star
            .oneshot(preflight("https://anyone.test", "/v1/assets/x/infer"))
            .await
            .unwrap();
        assert_eq!(r.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    }

    #[test]
    fn origins_are_checked() {
        for bad in [
            "app.test",
            "https://",
            "https://app.test/",
            "https://app.test/path",
            "ftp://app.test",
            "https://a b",
        ] {
            assert!(origins(&[bad.into()]).is_err(), "{bad}");
        }
        assert!(origins(&["*".into(), "https://app.test".into()]).is_err());
        assert!(origins(&["https://app.test:8443".into(), "http://127.0.0.1:5173".into()]).is_ok());
    }
}
