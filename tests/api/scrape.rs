//! Reads a `/metrics` answer: the Prometheus text format, parsed into
//! samples a test can look up by name and labels.

use std::collections::BTreeMap;

/// Every metric's name starts with it.
pub const PREFIX: &str = "leptos_sessions_";

/// One scrape: each sample by its name (without [`PREFIX`]) and its labels.
pub struct Scrape {
    pub text: String,
    pub samples: BTreeMap<(String, Vec<(String, String)>), f64>,
}

impl Scrape {
    /// The sample's value; 0 for a series not shown yet.
    pub fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut labels: Vec<_> = labels
            .iter()
            .map(|&(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        labels.sort();
        self.samples
            .get(&(name.to_owned(), labels))
            .copied()
            .unwrap_or(0.0)
    }
}

/// Parses the Prometheus text format: `name{key="value",…} number` lines,
/// skipping `#` comments. Every sample of ours carries [`PREFIX`].
pub fn parse(text: String) -> Scrape {
    let mut samples = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (series, value) = line.rsplit_once(' ').expect("a sample line");
        let value: f64 = value.parse().expect("a number");
        let (name, labels) = match series.split_once('{') {
            Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').expect("}"))),
            None => (series, Vec::new()),
        };
        let name = name.strip_prefix(PREFIX).expect("our prefix").to_owned();
        assert!(
            samples.insert((name, labels), value).is_none(),
            "a series twice: {line}"
        );
    }
    Scrape { text, samples }
}

/// `key="value",…` with `\"`, `\\` and `\n` escapes in the values.
fn parse_labels(mut rest: &str) -> Vec<(String, String)> {
    let mut labels = Vec::new();
    while !rest.is_empty() {
        let (key, after) = rest.split_once("=\"").expect("key=\"");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("a closing quote") {
                (i, '"') => break i,
                (_, '\\') => match chars.next().expect("an escape").1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        labels.push((key.to_owned(), value));
        rest = after[end + 1..].trim_start_matches(',');
    }
    labels.sort();
    labels
}
