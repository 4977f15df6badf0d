//! Redis (or Valkey), single server, cluster or sentinel: whatever fred's URL
//! forms reach. Redis deletes expired sessions itself, by key TTL.

use std::time::Duration;

use async_trait::async_trait;
use fred::{
    clients::Pool,
    interfaces::{ClientLike, KeysInterface, LuaInterface},
    types::{
        config::{Config, ReconnectPolicy},
        Expiration, SetOptions, Value,
    },
};
use time::OffsetDateTime;
use tower_sessions::{session::Id, session_store};

use super::{records::Records, StoreError};

const POOL_SIZE: usize = 4;
/// How long a command may wait, including for a reconnection, before the
/// request that needs it gets a 503.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Replaces the record only if it still holds the expected bytes, in one
/// step on the server (a script runs without other commands in between).
const REPLACE_IF_UNCHANGED: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
  return 1
end
return 0
";

/// Each record is one key, the session id, expiring with the session.
#[derive(Debug, Clone)]
pub struct Redis {
    pool: Pool,
}

impl Redis {
    /// Connects a small pool to `url`; fails at once if the server does not answer.
    ///
    /// # Errors
    /// [`StoreError`] when the URL is not usable or the server does not answer.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let open = |e| StoreError::open("redis", e);
        let config = Config::from_url(url).map_err(open)?;
        let pool = fred::types::Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = COMMAND_TIMEOUT;
                c.internal_command_timeout = COMMAND_TIMEOUT;
            })
            .with_performance_config(|p| p.default_command_timeout = COMMAND_TIMEOUT)
            // Keep trying for good: when Redis comes back, so does the app.
            .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
            .build_pool(POOL_SIZE)
            .map_err(open)?;
        pool.init().await.map_err(open)?;
        Ok(Self { pool })
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    async fn set(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
        only: SetOptions,
    ) -> session_store::Result<bool> {
        let expiry = Expiration::PXAT(unix_ms(expiry));
        let done: Option<String> = self
            .pool
            .set(id.to_string(), bytes, Some(expiry), Some(only), false)
            .await
            .map_err(backend)?;
        Ok(done.is_some())
    }
}

#[async_trait]
impl Records for Redis {
    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        self.set(id, bytes, expiry, SetOptions::NX).await
    }

    async fn fetch(&self, id: &Id) -> session_store::Result<Option<Vec<u8>>> {
        self.pool.get(id.to_string()).await.map_err(backend)
    }

    async fn replace(
        &self,
        id: &Id,
        expected: Option<&[u8]>,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> session_store::Result<bool> {
        let Some(expected) = expected else {
            return self.set(id, bytes, expiry, SetOptions::XX).await;
        };
        let args = vec![
            Value::from(expected),
            Value::from(bytes),
            Value::from(unix_ms(expiry)),
        ];
        let done: i64 = self
            .pool
            .eval(REPLACE_IF_UNCHANGED, id.to_string(), args)
            .await
            .map_err(backend)?;
        Ok(done == 1)
    }

    async fn remove(&self, id: &Id) -> session_store::Result<()> {
        let _: i64 = self.pool.del(id.to_string()).await.map_err(backend)?;
        Ok(())
    }
}

/// Milliseconds, not seconds: a whole-second expiry would end sessions up to
/// a second before their idle timeout.
fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn backend(err: fred::error::Error) -> session_store::Error {
    session_store::Error::Backend(err.to_string())
}
