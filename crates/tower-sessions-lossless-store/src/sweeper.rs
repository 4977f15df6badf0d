//! Deletes expired sessions in the background, for the stores that keep them
//! until told (SQL, memory).
//!
//! One moment of database trouble must not stop the sweeping for the rest of
//! the process's life: an error is logged and the next tick tries again. The
//! loop stops between sweeps when asked.

use std::{sync::Arc, time::Duration};

use tokio::{sync::oneshot, task::JoinHandle};

use crate::{backend::Backend, StoreObserver};

/// The running sweep; [`Sweeper::stop`] ends it.
#[derive(Debug)]
pub struct Sweeper {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Sweeper {
    /// Sweeps `store` every `every`, the first time one period from now,
    /// telling `observer` how many sessions it deletes.
    pub(crate) fn spawn(
        store: Arc<dyn Backend>,
        every: Duration,
        observer: Arc<dyn StoreObserver>,
    ) -> Self {
        let kind = store.kind();
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = &mut stopped => break,
                    _ = ticks.tick() => match store.delete_expired().await {
                        Ok(deleted) => {
                            observer.sessions_expired(deleted);
                            tracing::debug!(store = kind, deleted, "expired sessions deleted");
                        }
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
