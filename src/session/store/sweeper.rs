//! Deletes expired sessions from the SQL stores in the background.
//!
//! Not `ExpiredDeletion::continuously_delete_expired`: that task ends at its
//! first error, so one moment of database trouble would stop the sweeping for
//! the rest of the process's life. This loop logs the error and tries again at
//! the next tick, and stops between sweeps when asked.

use std::time::Duration;

use super::records::Sweep;
use tokio::{sync::oneshot, task::JoinHandle};

/// The running sweep; [`Sweeper::stop`] ends it.
#[derive(Debug)]
pub struct Sweeper {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Sweeper {
    /// Sweeps `store` every `every`, the first time one period from now.
    pub fn spawn<S: Sweep + 'static>(store: S, every: Duration, kind: &'static str) -> Self {
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => match store.delete_expired().await {
                        Ok(()) => tracing::debug!(store = kind, "expired sessions deleted"),
                        Err(err) => tracing::warn!(store = kind, error = %err, "could not delete expired sessions; will retry"),
                    },
                }
            }
        });
        Self { stop, task }
    }

    /// Lets a sweep in progress finish, then ends the task.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        if let Err(err) = self.task.await {
            tracing::error!(error = %err, "the expired-session sweeper failed");
        }
    }
}
