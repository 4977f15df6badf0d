//! A session as the store keeps it: tower-sessions' own [`Id`] and
//! [`Record`], encoded as MessagePack (the layout tower-sessions' stores
//! use, so records they wrote still load).
//!
//! Both types derive `Debug`, which shows the id and every value: never
//! format one with `{:?}` in a log line or an error. `Display` of an [`Id`]
//! is for the cookie and the store's key only.

use std::collections::HashMap;

use serde_json::Value;
use time::OffsetDateTime;
pub use tower_sessions_core::session::{Id, Record};

/// A session's values by key.
pub type Data = HashMap<String, Value>;

/// A record could not be written as bytes or read back.
#[derive(Debug, Clone, thiserror::Error)]
#[error("a session record could not be {0}")]
pub struct CodecError(String);

/// A [`Record`] as the bytes the store holds.
pub trait RecordCodec: Sized {
    /// The record as MessagePack.
    ///
    /// # Errors
    /// [`CodecError`] if a value cannot be encoded.
    fn encode(&self) -> Result<Vec<u8>, CodecError>;

    /// The record `bytes` hold.
    ///
    /// # Errors
    /// [`CodecError`] if `bytes` are not a record.
    fn decode(bytes: &[u8]) -> Result<Self, CodecError>;
}

impl RecordCodec for Record {
    fn encode(&self) -> Result<Vec<u8>, CodecError> {
        rmp_serde::to_vec(self).map_err(|e| CodecError(format!("encoded: {e}")))
    }

    fn decode(bytes: &[u8]) -> Result<Self, CodecError> {
        let Decoded {
            id,
            data,
            expiry_date,
        } = rmp_serde::from_slice(bytes).map_err(|e| CodecError(format!("decoded: {e}")))?;
        Ok(Record {
            id,
            data,
            expiry_date,
        })
    }
}

/// tower-sessions' [`Record`] as it is encoded (the same fields, in the
/// same order), read with room in its data for the base's token that a
/// load adds ([`crate::BASE_KEY`]): a map read to its exact size would grow
/// and hash every key again to take it.
#[derive(serde::Deserialize)]
struct Decoded {
    id: Id,
    #[serde(deserialize_with = "with_room_for_one_more")]
    data: Data,
    expiry_date: OffsetDateTime,
}

fn with_room_for_one_more<'de, D: serde::Deserializer<'de>>(from: D) -> Result<Data, D::Error> {
    struct Entries;

    impl<'de> serde::de::Visitor<'de> for Entries {
        type Value = Data;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map of a session's values")
        }

        fn visit_map<M: serde::de::MapAccess<'de>>(self, mut map: M) -> Result<Data, M::Error> {
            // Bounded like serde's own: a length is what the bytes claim.
            let claimed = map.size_hint().unwrap_or(0).min(4096);
            let mut data = Data::with_capacity(claimed + 1);
            while let Some((key, value)) = map.next_entry()? {
                data.insert(key, value);
            }
            Ok(data)
        }
    }

    from.deserialize_map(Entries)
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;

    use super::*;

    #[test]
    fn ids_round_trip_and_anything_else_is_refused() {
        let id = Id::default();
        let text = id.to_string();
        assert_eq!(text.len(), 22);
        assert_eq!(text.parse::<Id>().ok(), Some(id));
        assert_ne!(Id::default(), id);
        let last_bits_set = format!("{}B", &"A".repeat(21));
        for bad in [
            "",
            "x",
            "%%%",
            &"A".repeat(20),
            &"A".repeat(23),
            "AAAAAAAAAAAAAAAAAAAAA+",
            &last_bits_set,
        ] {
            assert!(bad.parse::<Id>().is_err(), "{bad}");
        }
    }

    #[test]
    fn records_round_trip() {
        let record = Record {
            id: Id::default(),
            // Three: a map read to its exact size has no room then.
            data: Data::from([
                ("Username".to_owned(), Value::from("Admin")),
                ("note".to_owned(), Value::from("hi")),
                ("n".to_owned(), Value::from(3)),
            ]),
            expiry_date: OffsetDateTime::from_unix_timestamp(2_000_000_000).unwrap(),
        };
        let decoded = Record::decode(&record.encode().unwrap()).unwrap();
        assert_eq!(decoded, record);
        assert!(
            decoded.data.capacity() > decoded.data.len(),
            "room for the base's token without growing"
        );
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
}
