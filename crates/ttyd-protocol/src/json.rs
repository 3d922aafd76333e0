//! Size-limited JSON parsing shared by the decoders.

use serde::de::DeserializeOwned;

use crate::{MAX_JSON_LEN, ProtocolError};

/// Parses `bytes` as one JSON **object** into `T`, after checking the length
/// against [`MAX_JSON_LEN`].
///
/// The whole payload must be UTF-8. Leading/trailing JSON whitespace is
/// allowed; anything else after the object is an error. Nesting: values that
/// are kept (preferences) may nest at most 128 deep (serde_json's recursion
/// limit); values under ignored keys are skipped without recursion, so any
/// depth that fits in the size limit is harmless and accepted. The object check matters because serde's derived structs also
/// accept arrays (`[80, 24]`), which no ttyd peer sends.
pub(crate) fn parse_object<T: DeserializeOwned>(
    what: &'static str,
    bytes: &[u8],
) -> Result<T, ProtocolError> {
    if bytes.len() > MAX_JSON_LEN {
        return Err(ProtocolError::TooLarge {
            what,
            len: bytes.len(),
            max: MAX_JSON_LEN,
        });
    }
    let first = bytes
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    if first != Some(&b'{') {
        return Err(ProtocolError::InvalidJson {
            what,
            reason: "expected a JSON object".into(),
        });
    }
    // JSON text is UTF-8 (RFC 8259 §8.1). serde_json checks strings it
    // decodes but skips ignored ones unchecked, so check the whole payload.
    let text = std::str::from_utf8(bytes).map_err(|e| ProtocolError::InvalidJson {
        what,
        reason: format!("not UTF-8: {e}"),
    })?;
    serde_json::from_str(text).map_err(|e| ProtocolError::InvalidJson {
        what,
        reason: e.to_string(),
    })
}
