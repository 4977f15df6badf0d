//! What each request came to, and the counts of a run: every request is
//! counted once, by one outcome, and judged by the rules of SECURITY.md's
//! row 15.

use std::collections::{BTreeMap, BTreeSet};

use super::{cases::Case, wire::Ending};

/// How many failures are described in full in the row.
const SAMPLES: usize = 5;

#[derive(Default)]
pub struct Tally {
    /// Requests sent, by case class: counted before the exchange, so that
    /// a request the outcomes miss (or count twice) shows.
    pub sent: BTreeMap<&'static str, u64>,
    pub by_case: BTreeMap<&'static str, BTreeMap<String, u64>>,
    pub extra_answers: BTreeMap<String, u64>,
    pub failures: u64,
    pub samples: Vec<String>,
}

impl Tally {
    fn add(&mut self, class: &'static str, what: String, n: u64) {
        *self
            .by_case
            .entry(class)
            .or_default()
            .entry(what)
            .or_default() += n;
    }

    /// Counts one request's verdict.
    pub fn record(&mut self, case: &Case, verdict: Verdict) {
        self.add(case.class, verdict.outcome, 1);
        for status in verdict.extra {
            *self.extra_answers.entry(status.to_string()).or_default() += 1;
        }
        if let Some(why) = verdict.failure {
            self.fail(case.class, &case.bytes, why);
        }
    }

    /// Adds another worker's tally to this one.
    pub fn absorb(&mut self, other: Tally) {
        self.failures += other.failures;
        let room = SAMPLES.saturating_sub(self.samples.len());
        self.samples.extend(other.samples.into_iter().take(room));
        for (class, n) in other.sent {
            *self.sent.entry(class).or_default() += n;
        }
        for (class, counts) in other.by_case {
            for (what, n) in counts {
                self.add(class, what, n);
            }
        }
        for (status, n) in other.extra_answers {
            *self.extra_answers.entry(status).or_default() += n;
        }
    }

    /// Requests not counted exactly once: by class, sent against counted,
    /// and in all, sent against `requests`.
    pub fn unaccounted(&self, requests: u64) -> u64 {
        let classes: BTreeSet<&str> = self
            .sent
            .keys()
            .chain(self.by_case.keys())
            .copied()
            .collect();
        let by_class: u64 = classes
            .into_iter()
            .map(|class| {
                let sent = self.sent.get(class).copied().unwrap_or(0);
                let counted: u64 = self.by_case.get(class).map_or(0, |c| c.values().sum());
                sent.abs_diff(counted)
            })
            .sum();
        by_class + self.sent.values().sum::<u64>().abs_diff(requests)
    }

    fn fail(&mut self, class: &'static str, bytes: &[u8], why: String) {
        self.failures += 1;
        if self.samples.len() < SAMPLES {
            let shown: String = String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
                .escape_debug()
                .collect();
            self.samples.push(format!("{class}: {why}: {shown}"));
        }
    }
}

/// What one request came to.
#[derive(Debug, PartialEq)]
pub struct Verdict {
    /// The one outcome it is counted as: its answer's status, or
    /// "not-http", "closed", "cut", "hung".
    outcome: String,
    /// The statuses of answers to bytes after the request.
    extra: Vec<u16>,
    /// Why it fails the run, if it does.
    failure: Option<String>,
}

/// The verdict on `case` for how it ended.
pub fn judge(case: &Case, ending: &Ending) -> Verdict {
    let verdict = |outcome: &str, failure: Option<&str>| Verdict {
        outcome: outcome.to_owned(),
        extra: Vec::new(),
        failure: failure.map(str::to_owned),
    };
    // Allowed only where SECURITY.md (row 15) allows it: see `may_close`.
    let unless_allowed = |why| (!case.may_close).then_some(why);
    match ending {
        Ending::Answered(statuses, _) => {
            // Interim 1xx answers are not what a request came to.
            let mut finals = statuses
                .iter()
                .copied()
                .skip_while(|s| (100..200).contains(s));
            let Some(first) = finals.next() else {
                return verdict("cut", unless_allowed("only an interim answer, then closed"));
            };
            let extra: Vec<u16> = finals.collect();
            let failure = std::iter::once(first)
                .chain(extra.iter().copied())
                .find_map(|status| {
                    match status {
                        // A store outage's 503 is the one 5xx the server may give;
                        // the fuzz runs on a healthy store, so a 503 here is news too.
                        500.. => Some(format!("answered {status}")),
                        0 => Some("an answer that is not HTTP".to_owned()),
                        _ => None,
                    }
                });
            Verdict {
                outcome: if first == 0 {
                    "not-http".into()
                } else {
                    first.to_string()
                },
                extra,
                failure,
            }
        }
        Ending::Closed => verdict("closed", unless_allowed("closed without an answer")),
        Ending::Cut => verdict(
            "cut",
            unless_allowed("part of an answer's head, then closed"),
        ),
        Ending::Hung => verdict("hung", Some("no answer in 10 s")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(class: &'static str, may_close: bool) -> Case {
        Case {
            class,
            bytes: b"GET / HTTP/1.1\r\n\r\n".to_vec(),
            breaks_off: may_close,
            head: false,
            may_close,
        }
    }

    #[test]
    fn a_close_without_an_answer_fails_every_class_that_does_not_allow_it() {
        for class in super::super::cases::CLASSES {
            let verdict = judge(&case(class, false), &Ending::Closed);
            assert_eq!(verdict.outcome, "closed");
            assert_eq!(
                verdict.failure.as_deref(),
                Some("closed without an answer"),
                "{class}"
            );
        }
    }

    #[test]
    fn a_close_is_counted_not_failed_where_the_case_allows_it() {
        let verdict = judge(&case("header-flood", true), &Ending::Closed);
        assert_eq!(verdict.outcome, "closed");
        assert_eq!(verdict.failure, None);
    }

    #[test]
    fn a_head_cut_off_is_counted_and_fails_unless_allowed() {
        let verdict = judge(&case("form", false), &Ending::Cut);
        assert_eq!(verdict.outcome, "cut");
        assert!(verdict.failure.is_some());
        assert_eq!(
            judge(&case("abandoned-page", true), &Ending::Cut).failure,
            None
        );
        // An interim answer alone is an answer cut off too.
        let only_interim = judge(
            &case("form", false),
            &Ending::Answered(vec![100], "close".into()),
        );
        assert_eq!(only_interim.outcome, "cut");
        assert!(only_interim.failure.is_some());
    }

    #[test]
    fn a_request_is_counted_once_by_its_own_answer_and_a_5xx_anywhere_fails() {
        let extra = judge(
            &case("extra-body", false),
            &Ending::Answered(vec![200, 400], "close".into()),
        );
        assert_eq!(
            extra,
            Verdict {
                outcome: "200".into(),
                extra: vec![400],
                failure: None
            }
        );
        let second_fails = judge(
            &case("extra-body", false),
            &Ending::Answered(vec![200, 500], "close".into()),
        );
        assert_eq!(second_fails.failure.as_deref(), Some("answered 500"));
        for (status, outcome) in [(503, "503"), (0, "not-http")] {
            let v = judge(
                &case("cookie", false),
                &Ending::Answered(vec![status], "close".into()),
            );
            assert_eq!(v.outcome, outcome);
            assert!(v.failure.is_some(), "{status}");
        }
        let hung = judge(&case("header-flood", true), &Ending::Hung);
        assert_eq!(hung.outcome, "hung");
        assert!(hung.failure.is_some());
    }

    #[test]
    fn counts_that_do_not_add_up_to_the_requests_sent_show() {
        let mut tally = Tally::default();
        let form = case("form", false);
        for ending in [Ending::Closed, Ending::Answered(vec![200], "close".into())] {
            *tally.sent.entry(form.class).or_default() += 1;
            tally.record(&form, judge(&form, &ending));
        }
        assert_eq!(tally.unaccounted(2), 0);
        assert_eq!(tally.failures, 1);
        // Sent but not counted; and a run that sent fewer than it was asked to.
        *tally.sent.entry(form.class).or_default() += 1;
        assert_eq!(tally.unaccounted(3), 1);
        assert_eq!(tally.unaccounted(4), 2);
    }
}
