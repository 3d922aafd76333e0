//! The server functions' answer encoding: JSON, decoded in the browser from text.
//!
//! Leptos decodes a server function's answer with `serde_json::from_slice` but a resource's
//! server-rendered value with `serde_json::from_str`, so every type a page both hydrates and
//! fetches had two copies of its JSON reader in the WASM. Decoding the answer from text too
//! leaves one. The bytes on the wire are the same `application/json` as Leptos's `Json`.

use leptos::server_fn::codec::Post;
use leptos::server_fn::{ContentType, Decodes, Encodes, Format, FormatType};
use serde::Serialize;
use serde::de::{DeserializeOwned, Error as _};

pub struct JsonTextEncoding;

/// For `#[server(output = JsonText)]`.
pub type JsonText = Post<JsonTextEncoding>;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<leptos::server_fn::Bytes, Self::Error> {
        serde_json::to_vec(output).map(Into::into)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: leptos::server_fn::Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde_json::Error::custom)?;
        serde_json::from_str(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let bytes =
            <JsonTextEncoding as Encodes<Vec<String>>>::encode(&vec!["a\u{e9}".into()]).unwrap();
        let back: Vec<String> = JsonTextEncoding::decode(bytes).unwrap();
        assert_eq!(back, ["a\u{e9}"]);
        let bad = <JsonTextEncoding as Decodes<Vec<String>>>::decode(vec![b'"', 0xff, b'"'].into());
        assert!(bad.is_err(), "invalid UTF-8 is an error, not a panic");
        let bad = <JsonTextEncoding as Decodes<Vec<String>>>::decode(b"[1".to_vec().into());
        assert!(bad.is_err());
    }
}
