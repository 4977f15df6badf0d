//! Redis (or Valkey), single server, cluster or sentinel: whatever fred's URL
//! forms reach. Redis deletes expired sessions itself, by key TTL.

use std::time::Duration;

use fred::{
    clients::Pool,
    interfaces::ClientLike,
    types::config::{Config, ReconnectPolicy},
};
use tower_sessions_redis_store::RedisStore;

use super::StoreError;

const POOL_SIZE: usize = 4;
/// How long a command may wait, including for a reconnection, before the
/// request that needs it gets a 503.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// Connects a small pool to `url`; fails at once if the server does not answer.
///
/// # Errors
/// [`StoreError`] when the URL is not usable or the server does not answer.
pub async fn connect(url: &str) -> Result<(RedisStore<Pool>, Pool), StoreError> {
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
    Ok((RedisStore::new(pool.clone()), pool))
}
