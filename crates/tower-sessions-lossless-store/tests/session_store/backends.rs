//! Each test's store: a backend of its own, and what keeps it alive.

use std::sync::atomic::{AtomicUsize, Ordering};

use fred::{clients::Client, interfaces::ClientLike};
use tokio::sync::Mutex;
use tower_sessions_lossless_store::{Store, StoreSettings};

/// What a test's store needs kept until the test ends: its folder, or its
/// turn on a set-up with one database (a Cluster, a Sentinel's primary).
pub type Keep = Box<dyn std::any::Any>;

static CLUSTER: Mutex<()> = Mutex::const_new(());
static SENTINEL: Mutex<()> = Mutex::const_new(());

/// A fresh store of `kind`, and what keeps it alive. Each test gets a store
/// of its own: a SQLite file, a PostgreSQL database, a Redis database, or
/// its turn on the emptied Cluster or Sentinel set-up (tests run at once,
/// and the bound counts every session a store holds).
pub async fn open(kind: &str, max_sessions: Option<u64>) -> Option<(Store, Keep)> {
    let (url, keep): (String, Keep) = match kind {
        "memory" => ("memory".to_owned(), Box::new(())),
        "sqlite" => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("sessions.db").display());
            (url, Box::new(dir))
        }
        "redis_cluster" | "redis_sentinel" => {
            let url = server(kind)?;
            let turn = if kind == "redis_cluster" {
                &CLUSTER
            } else {
                &SENTINEL
            };
            let turn = turn.lock().await;
            let client = redis_client(&url).await;
            if kind == "redis_cluster" {
                client
                    .flushall_cluster()
                    .await
                    .expect("the cluster emptied");
            } else {
                flushdb(&client).await;
            }
            client.quit().await.expect("the connection closed");
            (url, Box::new(turn))
        }
        _ => (own_database(kind, &server(kind)?).await, Box::new(())),
    };
    let mut settings = StoreSettings::new(url.parse().unwrap());
    settings.max_sessions = max_sessions;
    Some((Store::connect(&settings).await.unwrap(), keep))
}

async fn redis_client(url: &str) -> Client {
    let config = fred::types::config::Config::from_url(url).expect("a Redis URL");
    let client = fred::types::Builder::from_config(config)
        .build()
        .expect("a Redis client");
    client.init().await.expect("Redis reachable");
    client
}

async fn flushdb(client: &Client) {
    let () = client
        .custom(fred::cmd!("FLUSHDB"), Vec::<String>::new())
        .await
        .expect("the database emptied");
}

/// The test server of `kind` (`TEST_REDIS_URL`, …), if set.
pub fn server(kind: &str) -> Option<String> {
    let var = format!("TEST_{}_URL", kind.to_uppercase());
    match std::env::var(&var) {
        Ok(url) => Some(url),
        Err(_) if std::env::var_os("CI").is_some() => panic!("{var} is not set"),
        Err(_) => {
            eprintln!("{kind}: skipped ({var} is not set)");
            None
        }
    }
}

/// A database of the test's own on the server at `server`.
pub async fn own_database(kind: &str, server: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let mut url = url::Url::parse(server).expect("a server URL");
    if kind == "redis" {
        // Redis has 16 databases; the tests below use fewer. Emptied first:
        // a run before this one left its sessions there, and the bound
        // would count them.
        url.set_path(&format!("/{}", 1 + n % 15));
        let client = redis_client(url.as_str()).await;
        flushdb(&client).await;
        client.quit().await.expect("the connection closed");
        return url.to_string();
    }
    let name = format!("store_test_{}_{n}", std::process::id());
    let admin = sqlx::PgPool::connect(server)
        .await
        .expect("an admin connection");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .expect("a test database");
    admin.close().await;
    url.set_path(&name);
    url.to_string()
}
