//! How the panels' data travels in the page for hydration.
//!
//! JSON, as leptos's default codec (`JsonSerdeCodec`) writes it, but read
//! back the way leptos reads a server function's JSON answer
//! (`serde_json::from_slice`): the bundle then holds one JSON reader per
//! type, which the panels' resource and their server function share,
//! rather than two (4.2 KB of its gzip).

use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// A `Resource` codec: JSON, read as bytes.
pub struct Json;

impl<T: Serialize> Encoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = String;

    fn encode(value: &T) -> Result<String, Self::Error> {
        serde_json::to_string(value)
    }
}

impl<T: DeserializeOwned> Decoder<T> for Json {
    type Error = serde_json::Error;
    type Encoded = str;

    fn decode(encoded: &str) -> Result<T, Self::Error> {
        serde_json::from_slice(encoded.as_bytes())
    }
}
