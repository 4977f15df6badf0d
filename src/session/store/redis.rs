//! Redis (or Valkey), single server, cluster or sentinel: whatever fred's URL
//! forms reach. Redis deletes expired sessions itself, by key TTL.

use std::{sync::Arc, time::Duration};

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

use super::{Backend, Kind, StoreError, StoreFailure};
use crate::session::record::Id;

pub const KIND: Kind = Kind {
    name: "redis",
    label: "Redis",
    schemes: &[
        "redis",
        "rediss",
        "redis-cluster",
        "rediss-cluster",
        "redis-sentinel",
        "rediss-sentinel",
        "valkey",
        "valkeys",
        "valkey-cluster",
        "valkeys-cluster",
        "valkey-sentinel",
        "valkeys-sentinel",
    ],
    check: |text| Config::from_url(text).map(drop).map_err(|e| e.to_string()),
    advice: "that Redis runs and accepts connections at that address from this machine, and the user, password and database in SESSION_STORE",
    open: |url, _| {
        Box::pin(async move { Ok(Arc::new(Redis::connect(&url).await?) as Arc<dyn Backend>) })
    },
    can_be_held_alone: false,
};

const POOL_SIZE: usize = 4;
const RECONNECT_MAX_MS: u32 = 500;
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
        let open = |e| StoreError::open(KIND.name, e);
        let config = Config::from_url(url).map_err(open)?;
        let pool = fred::types::Builder::from_config(config)
            .with_connection_config(|c| {
                c.connection_timeout = COMMAND_TIMEOUT;
                c.internal_command_timeout = COMMAND_TIMEOUT;
            })
            .with_performance_config(|p| p.default_command_timeout = COMMAND_TIMEOUT)
            // Keep trying for good: when Redis comes back, or a replica has
            // taken over, so does the app. At most half a second apart: a
            // longer wait added up to a second and a half of 503s after a
            // failover was over (`scripts/check-outage.sh redis-cluster`).
            .set_policy(ReconnectPolicy::new_exponential(
                0,
                100,
                RECONNECT_MAX_MS,
                2,
            ))
            .build_pool(POOL_SIZE)
            .map_err(open)?;
        pool.init().await.map_err(open)?;
        Ok(Self { pool })
    }

    async fn set(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
        only: SetOptions,
    ) -> Result<bool, StoreFailure> {
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
impl Backend for Redis {
    fn kind(&self) -> &'static str {
        KIND.name
    }

    async fn insert(
        &self,
        id: &Id,
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
        self.set(id, bytes, expiry, SetOptions::NX).await
    }

    async fn fetch(&self, id: &Id) -> Result<Option<Vec<u8>>, StoreFailure> {
        self.pool.get(id.to_string()).await.map_err(backend)
    }

    async fn replace(
        &self,
        id: &Id,
        expected: &[u8],
        bytes: &[u8],
        expiry: OffsetDateTime,
    ) -> Result<bool, StoreFailure> {
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

    async fn remove(&self, id: &Id) -> Result<(), StoreFailure> {
        let _: i64 = self.pool.del(id.to_string()).await.map_err(backend)?;
        Ok(())
    }

    async fn ping(&self) -> Result<(), StoreFailure> {
        self.pool.ping::<()>(None).await.map_err(backend)
    }

    /// Redis expires each session's key itself.
    fn needs_sweeping(&self) -> bool {
        false
    }

    async fn close(&self) {
        if let Err(err) = self.pool.quit().await {
            tracing::warn!(error = %err, "closing the Redis connections failed");
        }
    }
}

/// Milliseconds, not seconds: a whole-second expiry would end sessions up to
/// a second before their idle timeout.
fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

fn backend(err: fred::error::Error) -> StoreFailure {
    StoreFailure::backend(err)
}
