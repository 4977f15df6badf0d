//! The results as a Markdown table, with the run's settings under it.

use std::{fmt::Write as _, time::Duration};

use crate::{
    race::{Count, Settings, Tally},
    stores::Backend,
};

/// One store on one backend.
pub struct Row {
    store: &'static str,
    backend: &'static str,
    tally: Tally,
}

impl Row {
    pub fn new(store: &'static str, backend: &Backend, tally: Tally) -> Self {
        Self {
            store,
            backend: backend.label(),
            tally,
        }
    }

    /// The cause of the first failed pair, if any failed.
    pub fn first_failure(&self) -> Option<&str> {
        self.tally.first_failure.as_deref()
    }

    /// The first server error a request of a pair answered, if any did.
    pub fn first_error(&self) -> Option<&str> {
        self.tally.first_error.as_deref()
    }
}

/// `n` per 1,000 of `count`'s pairs, as a whole number when it is one.
fn per_thousand(count: Count, n: u64) -> String {
    let value = count.per_thousand(n);
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The table and the settings it was measured with.
pub fn render(rows: &[Row], settings: &Settings, elapsed: Duration) -> String {
    let mut out = String::new();
    out.push_str(
        "| store | backend | pairs | lost updates per 1,000 pairs | resurrections per 1,000 pairs \
         | 5xx answers per 1,000 pairs (updates / logout) | failed pairs |\n",
    );
    out.push_str("| --- | --- | ---: | ---: | ---: | ---: | ---: |\n");
    for row in rows {
        let (updates, logouts) = (row.tally.lost_updates, row.tally.resurrections);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} / {} | {} |",
            row.store,
            row.backend,
            settings.pairs,
            per_thousand(updates, updates.events),
            per_thousand(logouts, logouts.events),
            per_thousand(updates, updates.errors),
            per_thousand(logouts, logouts.errors),
            row.tally.failed_pairs,
        );
    }
    let _ = write!(
        out,
        "\nSettings: {pairs} pairs per scenario and store; {work} ms of handler work \
         between the session's load and its save; barrier {barrier}; \
         one run of {secs:.0} s on {cores} cores.\n\
         A lost update is one of the pair's two keys missing afterwards although \
         its request answered with a success (so at most 2,000 per 1,000 pairs); \
         a resurrection is the logged-out session's id still loading afterwards; \
         a 5xx answer is a request of the pair failed by the store (its load, or \
         the layer's save). Failed pairs (no answer, or the script's own error) \
         are left out of the rates.\n",
        pairs = settings.pairs,
        work = settings.work.as_millis(),
        barrier = if settings.barrier {
            "on (both requests load the session, then wait for each other)"
        } else {
            "off (the two requests race freely)"
        },
        secs = elapsed.as_secs_f64(),
        cores = std::thread::available_parallelism().map_or(1, usize::from),
    );
    out
}
