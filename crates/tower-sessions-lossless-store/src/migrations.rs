//! Each SQL store's schema as versioned migrations, embedded in the binary
//! and applied at start-up by sqlx's migrator (which records them in a
//! `_sqlx_migrations` table and refuses a changed or missing one).
//!
//! Not `sqlx::migrate!`: that macro would build sqlx's query macros, with a
//! second copy of both database drivers, for the host. A `MigrationSource`
//! over `include_str!` gives the migrator the same list.

use std::{borrow::Cow, future::Future, pin::Pin};

use sqlx::{
    error::BoxDynError,
    migrate::{Migration, MigrationSource, MigrationType, Migrator},
};

/// One migration: its version, description and SQL.
type Step = (i64, &'static str, &'static str);

pub const SQLITE: &[Step] = &[(
    1,
    "sessions",
    include_str!("../migrations/sqlite/0001_sessions.sql"),
)];

pub const POSTGRES: &[Step] = &[(
    1,
    "sessions",
    include_str!("../migrations/postgres/0001_sessions.sql"),
)];

#[derive(Debug)]
struct Embedded(&'static [Step]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let migrations = self
            .0
            .iter()
            .map(|&(version, description, sql)| {
                Migration::new(
                    version,
                    Cow::Borrowed(description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect();
        Box::pin(async move { Ok(migrations) })
    }
}

/// The migrator for `steps`.
///
/// # Errors
/// Only if the list cannot be resolved (it is embedded, so it always can).
pub async fn migrator(steps: &'static [Step]) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Embedded(steps)).await
}
