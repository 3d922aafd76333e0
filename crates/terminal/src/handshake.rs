//! The terminal WebSocket's opening handshake, on yawc: the `tty` subprotocol, and which
//! permessage-deflate offer (RFC 7692) yawc gets to negotiate. yawc answers whatever offer
//! it parses, including parameters it cannot honour (a window size it will not use, values
//! out of range); this module hands it only offers we honour exactly, so an odd or hostile
//! offer is declined and the connection runs uncompressed, as RFC 7692 §5 allows.

use std::future::Future;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::response::{IntoResponse, Response};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use ttyd_protocol::SUBPROTOCOL;

use crate::routes::MAX_MESSAGE;

/// The server side of the terminal WebSocket.
pub type Ws = yawc::HttpWebSocket;

/// Extension offers longer than this (all `Sec-WebSocket-Extensions` lines together) are
/// not read: a browser's is about 50 bytes.
const MAX_OFFER_LEN: usize = 1024;

const DEFLATE: &str = "permessage-deflate";

/// What we answer, by the two context-takeover flags the client may ask for. Nothing else
/// is ever passed on to yawc.
const ACCEPTED: [&str; 4] = [
    "permessage-deflate",
    "permessage-deflate; server_no_context_takeover",
    "permessage-deflate; client_no_context_takeover",
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
];

/// Deflate level for what we send: 1 (fast). Terminal output is either very repetitive
/// (shrinks 60× even at level 1) or close to random (no level helps); see
/// docs/notes/terminal-deflate.md for the measurements.
const LEVEL: u32 = 1;

/// Messages shorter than this are sent uncompressed: a keystroke's echo gains nothing from
/// deflate and costs a compressor call on both ends.
const COMPRESS_FROM: usize = 64;

/// A WebSocket upgrade for a terminal: the request checks axum's own extractor makes,
/// then yawc's, with the extension offer reduced to one we accept (or none).
pub struct Handshake {
    upgrade: yawc::IncomingUpgrade,
    /// The client listed `tty` in `Sec-WebSocket-Protocol` (ttyd clients do).
    offers_tty: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Handshake {
    type Rejection = (StatusCode, &'static str);

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.method != Method::GET {
            return Err((
                StatusCode::METHOD_NOT_ALLOWED,
                "a WebSocket upgrade is a GET",
            ));
        }
        if !lists_token(&parts.headers, header::CONNECTION, "upgrade", false) {
            return Err((
                StatusCode::BAD_REQUEST,
                "Connection header did not include 'upgrade'",
            ));
        }
        if !lists_token(&parts.headers, header::UPGRADE, "websocket", false) {
            return Err((
                StatusCode::BAD_REQUEST,
                "Upgrade header did not include 'websocket'",
            ));
        }
        let offer = accepted_offer(
            parts
                .headers
                .get_all(header::SEC_WEBSOCKET_EXTENSIONS)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        parts.headers.remove(header::SEC_WEBSOCKET_EXTENSIONS);
        if let Some(offer) = offer {
            parts.headers.insert(
                header::SEC_WEBSOCKET_EXTENSIONS,
                HeaderValue::from_static(offer),
            );
        }
        let offers_tty = lists_token(
            &parts.headers,
            header::SEC_WEBSOCKET_PROTOCOL,
            SUBPROTOCOL,
            true,
        );
        let upgrade = yawc::IncomingUpgrade::from_request_parts(parts, state)
            .await
            .map_err(|status| (status, "not a WebSocket upgrade (key or version missing)"))?;
        Ok(Self {
            upgrade,
            offers_tty,
        })
    }
}

impl Handshake {
    /// The 101 response (with `tty` if the client offered it, and permessage-deflate if it
    /// offered that and `deflate` is on); `serve` runs on the socket once the upgrade is done.
    pub fn accept<F, Fut>(self, deflate: bool, serve: F) -> Response
    where
        F: FnOnce(Ws) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let (mut response, upgraded) = match self.upgrade.upgrade(options(deflate)) {
            Ok(accepted) => accepted,
            Err(e) => {
                tracing::warn!(error = %e, "terminal WebSocket upgrade refused");
                return (StatusCode::BAD_REQUEST, "WebSocket upgrade refused").into_response();
            }
        };
        if self.offers_tty {
            response.headers_mut().insert(
                header::SEC_WEBSOCKET_PROTOCOL,
                HeaderValue::from_static(SUBPROTOCOL),
            );
        }
        tokio::spawn(async move {
            match upgraded.await {
                Ok(socket) => serve(socket).await,
                Err(e) => {
                    tracing::debug!(error = %e, "terminal WebSocket upgrade did not complete")
                }
            }
        });
        response.map(Body::new)
    }
}

/// The connection's settings: the same message bound as before yawc (a message of exactly
/// `MAX_MESSAGE` bytes passes; yawc's bounds are exclusive), applied to what a compressed
/// message inflates to as well, so a small compressed frame cannot grow past it.
pub fn options(deflate: bool) -> yawc::Options {
    let options = yawc::Options::default()
        .with_limits(MAX_MESSAGE + 1, MAX_MESSAGE + 1)
        .with_utf8();
    if !deflate {
        return options.without_compression();
    }
    options
        .with_compression_level(yawc::CompressionLevel::new(LEVEL))
        .with_compression_threshold(COMPRESS_FROM)
}

/// Whether a comma-separated header lists `token` (subprotocols are case-sensitive,
/// `Connection` and `Upgrade` tokens are not).
fn lists_token(headers: &HeaderMap, name: header::HeaderName, token: &str, exact: bool) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| {
            if exact {
                t == token
            } else {
                t.eq_ignore_ascii_case(token)
            }
        })
}

/// The first permessage-deflate offer in the client's `Sec-WebSocket-Extensions` lines that
/// we honour exactly, as the canonical string we answer with; `None` declines them all.
///
/// Accepted parameters: `server_no_context_takeover`, `client_no_context_takeover` (both
/// honoured), and `client_max_window_bits` with no value or 8–15 (a hint that the client
/// can take a limit; we set none, so it may use its full window, which our inflater takes).
/// `server_max_window_bits` asks us to compress with a smaller window, which yawc cannot do
/// without its `zlib` feature: such an offer is declined (browsers never send it). Unknown
/// or repeated parameters, bad values, quoted strings, non-ASCII and oversized headers
/// decline too.
pub fn accepted_offer<'a>(lines: impl IntoIterator<Item = &'a [u8]>) -> Option<&'static str> {
    let mut all = String::new();
    for line in lines {
        let line = std::str::from_utf8(line).ok()?;
        if all.len() + line.len() + 1 > MAX_OFFER_LEN {
            return None;
        }
        if !all.is_empty() {
            all.push(',');
        }
        all.push_str(line);
    }
    // Quoted strings may hold commas and semicolons; no browser quotes these parameters.
    if all
        .bytes()
        .any(|b| b == b'"' || !(b == b'\t' || (0x20..0x7f).contains(&b)))
    {
        return None;
    }
    all.split(',').find_map(honoured)
}

fn honoured(offer: &str) -> Option<&'static str> {
    let mut params = offer.split(';').map(str::trim);
    if params.next()? != DEFLATE {
        return None;
    }
    let (mut server_nct, mut client_nct, mut client_bits) = (false, false, false);
    for param in params {
        let (key, value) = match param.split_once('=') {
            Some((k, v)) => (k.trim_end(), Some(v.trim_start())),
            None => (param, None),
        };
        let seen = match (key, value) {
            ("server_no_context_takeover", None) => &mut server_nct,
            ("client_no_context_takeover", None) => &mut client_nct,
            ("client_max_window_bits", None) => &mut client_bits,
            ("client_max_window_bits", Some(v)) if window_bits(v) => &mut client_bits,
            _ => return None,
        };
        if std::mem::replace(seen, true) {
            return None;
        }
    }
    Some(ACCEPTED[usize::from(server_nct) | (usize::from(client_nct) << 1)])
}

/// 8 to 15, written without leading zeros (RFC 7692 §7.1.2).
fn window_bits(v: &str) -> bool {
    matches!(v, "8" | "9" | "10" | "11" | "12" | "13" | "14" | "15")
}

#[cfg(test)]
mod tests {
    use super::{ACCEPTED, accepted_offer};
    use proptest::prelude::*;

    fn offer(lines: &[&str]) -> Option<&'static str> {
        accepted_offer(lines.iter().map(|l| l.as_bytes()))
    }

    #[test]
    fn what_browsers_offer_is_accepted() {
        // Chromium, then Firefox and Safari.
        assert_eq!(
            offer(&["permessage-deflate; client_max_window_bits"]),
            Some("permessage-deflate")
        );
        assert_eq!(offer(&["permessage-deflate"]), Some("permessage-deflate"));
        assert_eq!(
            offer(&["permessage-deflate;client_max_window_bits=15;server_no_context_takeover"]),
            Some("permessage-deflate; server_no_context_takeover")
        );
        assert_eq!(
            offer(&["permessage-deflate; client_no_context_takeover ; server_no_context_takeover"]),
            Some(ACCEPTED[3])
        );
    }

    #[test]
    fn a_later_offer_is_taken_when_the_first_cannot_be_honoured() {
        assert_eq!(
            offer(&["permessage-deflate; server_max_window_bits=10, permessage-deflate"]),
            Some("permessage-deflate")
        );
        assert_eq!(
            offer(&[
                "x-webkit-deflate-frame",
                "permessage-deflate; client_max_window_bits=9"
            ]),
            Some("permessage-deflate")
        );
    }

    #[test]
    fn odd_and_hostile_offers_are_declined() {
        for bad in [
            "permessage-deflate; server_max_window_bits=10",
            "permessage-deflate; server_max_window_bits",
            "permessage-deflate; client_max_window_bits=7",
            "permessage-deflate; client_max_window_bits=16",
            "permessage-deflate; client_max_window_bits=099",
            "permessage-deflate; client_max_window_bits=",
            "permessage-deflate; client_max_window_bits=1e1",
            "permessage-deflate; client_max_window_bits=\"10\"",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; foo=bar",
            "permessage-deflate;;",
            "permessage-deflate; ",
            "Permessage-Deflate",
            "permessage-deflatex",
            "x=\"a,permessage-deflate,\"",
            ";;;==,,",
            "",
            "permessage-deflate\u{0}",
        ] {
            assert_eq!(offer(&[bad]), None, "{bad:?}");
        }
        let long = format!("permessage-deflate{}", " ".repeat(2000));
        assert_eq!(offer(&[&long]), None, "an oversized header is not read");
        assert_eq!(accepted_offer([&b"permessage-deflate\xff"[..]]), None);
    }

    proptest! {
        #[test]
        fn any_header_gives_a_canonical_answer_or_none(lines in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..300), 0..5)) {
            let got = accepted_offer(lines.iter().map(Vec::as_slice));
            prop_assert!(got.is_none() || ACCEPTED.contains(&got.unwrap_or_default()));
        }

        #[test]
        fn honoured_flags_survive_any_spacing(
            server in any::<bool>(),
            client in any::<bool>(),
            bits in prop::option::of(8u8..=15),
            sp in "[ \t]{0,3}",
        ) {
            let mut s = String::from("permessage-deflate");
            if server { s += &format!("{sp};{sp}server_no_context_takeover"); }
            if let Some(b) = bits { s += &format!("{sp};{sp}client_max_window_bits{sp}={sp}{b}"); }
            if client { s += &format!(";client_no_context_takeover{sp}"); }
            prop_assert_eq!(
                accepted_offer([s.as_bytes()]),
                Some(ACCEPTED[usize::from(server) | (usize::from(client) << 1)])
            );
        }
    }
}
