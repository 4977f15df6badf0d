//! A session as the store keeps it: an opaque random id, and a record of
//! values encoded as MessagePack (the layout tower-sessions used, so records
//! written by earlier versions still load).

use std::{collections::HashMap, fmt, str::FromStr};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// A session's values by key.
pub type Data = HashMap<String, Value>;

/// Keys that start with this are the app's own bookkeeping (when the session
/// began, when it was last refreshed): never a visitor's, never listed.
pub const BOOKKEEPING_PREFIX: char = '_';

/// A session id: 128 random bits from the thread's CSPRNG (OWASP asks for 64
/// bits of entropy at least), written as 22 base64url characters. `Debug`
/// never shows it; `Display` does, for the cookie and the store's key only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Id(i128);

impl Id {
    pub fn random() -> Self {
        Self(rand::random())
    }

    /// A number spread evenly over ids, for striping locks.
    pub fn spread(&self) -> u64 {
        // Random bits: the low ones are as good as any.
        self.0 as u64
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Id(<redacted>)")
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&URL_SAFE_NO_PAD.encode(self.0.to_le_bytes()))
    }
}

/// Not an id this server could have issued.
#[derive(Debug, PartialEq, Eq)]
pub struct NotAnId;

impl FromStr for Id {
    type Err = NotAnId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.len() != 22 {
            return Err(NotAnId);
        }
        let mut bytes = [0; 16];
        match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
            Ok(16) => Ok(Self(i128::from_le_bytes(bytes))),
            _ => Err(NotAnId),
        }
    }
}

/// One session as stored.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub id: Id,
    pub data: Data,
    pub expiry_date: OffsetDateTime,
}

impl fmt::Debug for Record {
    /// Keys only: values are the visitor's, and the id must not reach a log.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Record")
            .field("keys", &self.data.keys().collect::<Vec<_>>())
            .field("expiry_date", &self.expiry_date)
            .finish()
    }
}

/// A record could not be written as bytes or read back.
#[derive(Debug, thiserror::Error)]
#[error("a session record could not be {0}")]
pub struct CodecError(String);

impl Record {
    /// # Errors
    /// [`CodecError`] if a value cannot be encoded.
    pub fn encode(&self) -> Result<Vec<u8>, CodecError> {
        rmp_serde::to_vec(self).map_err(|e| CodecError(format!("encoded: {e}")))
    }

    /// # Errors
    /// [`CodecError`] if `bytes` are not a record.
    pub fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        rmp_serde::from_slice(bytes).map_err(|e| CodecError(format!("decoded: {e}")))
    }

    /// Whether the record holds none of a visitor's own values.
    pub fn holds_nothing(data: &Data) -> bool {
        data.keys().all(|key| key.starts_with(BOOKKEEPING_PREFIX))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_anything_else_is_refused() {
        let id = Id::random();
        let text = id.to_string();
        assert_eq!(text.len(), 22);
        assert_eq!(text.parse::<Id>(), Ok(id));
        assert_ne!(Id::random(), id);
        for bad in ["", "x", "%%%", &"A".repeat(23), "AAAAAAAAAAAAAAAAAAAAA+"] {
            assert_eq!(bad.parse::<Id>(), Err(NotAnId), "{bad:?}");
        }
        assert_eq!(format!("{id:?}"), "Id(<redacted>)");
    }

    #[test]
    fn records_round_trip() {
        let record = Record {
            id: Id::random(),
            data: Data::from([("Username".to_owned(), Value::from("Admin"))]),
            expiry_date: OffsetDateTime::from_unix_timestamp(2_000_000_000).unwrap(),
        };
        assert_eq!(Record::decode(&record.encode().unwrap()).unwrap(), record);
        assert!(!format!("{record:?}").contains("Admin"));
    }

    /// A record as tower-sessions 0.14 encoded it (which stored sessions of
    /// earlier versions hold): it must read the same, and ours must match.
    #[test]
    fn records_written_by_tower_sessions_still_load() {
        const TOWER_SESSIONS_0_14: &str = "93c4100f0e0d0c0b0a0908070605040302010081a8557365726e\
             616d65a541646d696e99cd0830cd011407062800000000";
        let bytes: Vec<u8> = (0..TOWER_SESSIONS_0_14.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&TOWER_SESSIONS_0_14[i..i + 2], 16).unwrap())
            .collect();
        let record = Record::decode(&bytes).unwrap();
        assert_eq!(record.id.to_string(), "AAECAwQFBgcICQoLDA0ODw");
        assert_eq!(record.data["Username"], Value::from("Admin"));
        assert_eq!(record.expiry_date.unix_timestamp(), 4_000_000_000);
        assert_eq!(record.encode().unwrap(), bytes);
    }

    #[test]
    fn only_bookkeeping_is_nothing() {
        let mut data = Data::from([("_created_at".to_owned(), Value::from(1))]);
        assert!(Record::holds_nothing(&data));
        data.insert("colour".into(), Value::from("blue"));
        assert!(!Record::holds_nothing(&data));
    }
}
