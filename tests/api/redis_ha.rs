//! The Redis Cluster (three primaries, a replica each) and the Sentinel
//! set-up (a primary, a replica, three sentinels) that `make test` starts
//! (scripts/redis-ha.sh). There is one of each for the whole run, so a test
//! takes a turn: it holds its set-up alone, emptied first, so that what it
//! counts is its own.

use tokio::sync::{Mutex, MutexGuard};

use crate::stores::{integer, redis_command};

static CLUSTER: Mutex<()> = Mutex::const_new(());
static SENTINEL: Mutex<()> = Mutex::const_new(());

/// One test's turn on a shared set-up.
pub struct SharedRedis {
    url: String,
    /// Every data node (not the sentinels); which are primaries can change.
    ports: Vec<u16>,
    _turn: MutexGuard<'static, ()>,
}

impl SharedRedis {
    pub async fn cluster() -> Self {
        Self::take(&CLUSTER, "TEST_REDIS_CLUSTER").await
    }

    pub async fn sentinel() -> Self {
        Self::take(&SENTINEL, "TEST_REDIS_SENTINEL").await
    }

    async fn take(turns: &'static Mutex<()>, prefix: &str) -> Self {
        let turn = turns.lock().await;
        let var = |suffix: &str| {
            std::env::var(format!("{prefix}_{suffix}")).unwrap_or_else(|_| {
                panic!(
                    "{prefix}_{suffix} is not set: `make test` starts the Redis Cluster and \
                     Sentinel set-ups for these tests (or run them under scripts/with-services.sh)"
                )
            })
        };
        let shared = Self {
            url: var("URL"),
            ports: var("PORTS")
                .split_whitespace()
                .map(|p| p.parse().expect("a port"))
                .collect(),
            _turn: turn,
        };
        for port in shared.primaries() {
            let reply = redis_command(port, "FLUSHALL").unwrap_or_default();
            assert_eq!(reply, "+OK", "FLUSHALL on the primary at {port}");
        }
        shared
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// The nodes that are primaries now (a failover moves the role).
    fn primaries(&self) -> Vec<u16> {
        let primaries: Vec<u16> = self
            .ports
            .iter()
            .copied()
            // An array reply: `*3`, `$6`, then the role.
            .filter(|&port| {
                redis_command(port, "ROLE")
                    .is_some_and(|role| role.lines().nth(2) == Some("master"))
            })
            .collect();
        assert!(!primaries.is_empty(), "no primary among {:?}", self.ports);
        primaries
    }

    /// Keys over every primary: a replica's are copies.
    pub fn count(&self) -> i64 {
        self.primaries()
            .into_iter()
            .map(|port| integer(&redis_command(port, "DBSIZE").expect("DBSIZE")))
            .sum()
    }
}
