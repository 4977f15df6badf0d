//! Redis (or Valkey), single server, cluster or sentinel: whatever fred's URL
//! forms reach. Redis deletes expired sessions itself, by key TTL.

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;
use fred::{
    clients::Pool,
    interfaces::{ClientLike, ClusterInterface, KeysInterface, LuaInterface},
    types::{
        config::{Config, ReconnectPolicy},
        ClusterHash, CustomCommand, Expiration, SetOptions, Value,
    },
};
use time::OffsetDateTime;

use crate::{backend::Backend, Id, Kind, Room, StoreError, StoreFailure};

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
    advice: "that Redis runs and accepts connections at that address from this machine, and the user, password and database in the store URL",
    open: |with| {
        Box::pin(async move { Ok(Arc::new(Redis::connect(&with.url).await?) as Arc<dyn Backend>) })
    },
    can_be_held_alone: false,
};

const POOL_SIZE: usize = 4;
const RECONNECT_MAX_MS: u32 = 500;
/// How long a command may wait, including for a reconnection, before the
/// request that needs it gets a 503.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// What one session takes of Redis' memory, for the bound derived from
/// `maxmemory`: twice a seed session's (253 bytes measured: 20,000 of them
/// grew `used_memory` by 5.1 MB), for the notes and keys real visitors add.
const BYTES_PER_SESSION: u64 = 512;

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

    /// Runs `command` on every primary of a cluster (keys are spread over
    /// them), or on the one server; each answer as text.
    async fn on_each_primary(
        &self,
        command: &'static str,
        args: &[&'static str],
    ) -> Result<Vec<String>, fred::error::Error> {
        let client = self.pool.next();
        let command = || CustomCommand::new_static(command, ClusterHash::Random, false);
        let args = || args.to_vec();
        let Some(cluster) = client.cached_cluster_state() else {
            return Ok(vec![answer_text(client.custom(command(), args()).await?)]);
        };
        let mut answers = Vec::new();
        for node in cluster.unique_primary_nodes() {
            let value = client
                .with_cluster_node(node)
                .custom(command(), args())
                .await?;
            answers.push(answer_text(value));
        }
        Ok(answers)
    }

    /// `maxmemory`, summed over a cluster's primaries: from `CONFIG GET`,
    /// or `INFO memory` where `CONFIG` is not allowed (managed services).
    async fn maxmemory(&self) -> Result<u64, String> {
        let answers = match self.on_each_primary("CONFIG", &["GET", "maxmemory"]).await {
            Ok(answers) => answers,
            Err(config) => self
                .on_each_primary("INFO", &["memory"])
                .await
                .map_err(|info| format!("CONFIG GET: {config}; INFO memory: {info}"))?,
        };
        answers.iter().try_fold(0u64, |sum, answer| {
            let bytes = answer
                .split(|c: char| c.is_whitespace() || c == ':')
                .skip_while(|word| *word != "maxmemory")
                .nth(1)
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| "no maxmemory in the answer".to_owned())?;
            Ok(sum.saturating_add(bytes))
        })
    }
}

/// A server's answer as text: `CONFIG GET`'s pair (an array, or a map in
/// RESP3) joined by spaces, `INFO`'s lines as they are.
fn answer_text(value: Value) -> String {
    match value {
        Value::Array(values) => values
            .into_iter()
            .map(answer_text)
            .collect::<Vec<_>>()
            .join(" "),
        Value::Map(map) => map
            .inner()
            .into_iter()
            .map(|(k, v)| format!("{} {}", k.as_str().unwrap_or_default(), answer_text(v)))
            .collect::<Vec<_>>()
            .join(" "),
        other => other.as_string().unwrap_or_default(),
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

    /// `DBSIZE`, summed over a cluster's primaries: every key of the
    /// database, sessions or not.
    async fn count_live(&self) -> Result<u64, StoreFailure> {
        let answers = self.on_each_primary("DBSIZE", &[]).await.map_err(backend)?;
        Ok(answers.iter().filter_map(|n| n.parse::<u64>().ok()).sum())
    }

    /// `DBSIZE` costs Redis nothing: counted every second.
    fn count_every(&self) -> Duration {
        Duration::from_secs(1)
    }

    /// Three quarters of `maxmemory` (the rest for Redis itself and for
    /// fragmentation), at [`BYTES_PER_SESSION`].
    async fn room(&self) -> Room {
        match self.maxmemory().await {
            Ok(0) => Room::Unknown(
                "Redis has no maxmemory (0: it grows until the machine runs out); set maxmemory, with maxmemory-policy volatile-ttl (README)".into(),
            ),
            Ok(bytes) => Room::Derived {
                sessions: bytes / 4 * 3 / BYTES_PER_SESSION,
                how: format!(
                    "3/4 of Redis' maxmemory ({bytes} bytes) at {BYTES_PER_SESSION} bytes a session"
                ),
            },
            Err(why) => Room::Unknown(format!("Redis' maxmemory could not be read ({why})")),
        }
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
