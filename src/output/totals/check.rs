//! `pp-totals --fail-if CHECK`: conditions on the whole input, for Makefiles
//! and CI. A check is `METRIC OP NUMBER` (spaces allowed), with OP one of
//! `>`, `>=`, `<`, `<=`, `==`, `!=` and METRIC one of:
//!
//! - `total`: the largest total of any snapshot;
//! - `last`: the total of the last snapshot with a profile;
//! - `growth`: the last complete snapshot's total minus the first's;
//! - `slope`: the least-squares slope of the complete snapshots' totals, per minute;
//! - `suspects`: the number of leak suspects (see `--leaks`); when the input
//!   is too short to judge (fewer than 5 snapshots or 4 seconds), the check
//!   cannot be judged and the run fails with exit 1, never passes;
//! - `leaked`: goroutines the runtime proved leaked (goroutineleak profiles,
//!   `(leaked)` in dumps), at the last profile that said;
//! - `partial`, `missing`, `error`: how many snapshots had that status;
//! - `unknown`: how many lines were skipped.
//!
//! The program exits 3 when any check holds, naming each on stderr.

use std::fmt;
use std::str::FromStr;

use crate::analysis::regression::LeastSquares;
use crate::assemble::Stats;
use crate::model::{Snapshot, Status};

/// What a check measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// The largest total.
    Total,
    /// The last total.
    Last,
    /// Last complete total minus first complete total.
    Growth,
    /// Least-squares slope of complete totals, per minute.
    Slope,
    /// Number of leak suspects.
    Suspects,
    /// Goroutines proven leaked.
    Leaked,
    /// Snapshots with this status.
    Status(Status),
    /// Unknown lines.
    Unknown,
}

const METRICS: [(&str, Metric); 10] = [
    ("total", Metric::Total),
    ("last", Metric::Last),
    ("growth", Metric::Growth),
    ("slope", Metric::Slope),
    ("suspects", Metric::Suspects),
    ("leaked", Metric::Leaked),
    ("partial", Metric::Status(Status::Partial)),
    ("missing", Metric::Status(Status::Missing)),
    ("error", Metric::Status(Status::Error)),
    ("unknown", Metric::Unknown),
];

const OPERATORS: [&str; 6] = [">=", "<=", "==", "!=", ">", "<"];

/// One `--fail-if` condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    text: String,
    metric: Metric,
    operator: &'static str,
    limit: f64,
}

impl FromStr for Check {
    type Err = String;

    fn from_str(text: &str) -> Result<Check, String> {
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let usage = || {
            let names: Vec<&str> = METRICS.iter().map(|(n, _)| *n).collect();
            format!(
                "{text:?} is not a check: use METRIC OP NUMBER, METRIC one of {}",
                names.join(", ")
            )
        };
        let (at, operator) = OPERATORS
            .iter()
            .filter_map(|op| compact.find(op).map(|at| (at, *op)))
            .min_by_key(|&(at, op)| (at, std::cmp::Reverse(op.len())))
            .ok_or_else(usage)?;
        let metric = METRICS
            .iter()
            .find(|(name, _)| *name == &compact[..at])
            .map(|(_, m)| *m)
            .ok_or_else(usage)?;
        let limit: f64 = compact[at + operator.len()..]
            .parse()
            .map_err(|_| usage())?;
        Ok(Check {
            text: compact,
            metric,
            operator,
            limit,
        })
    }
}

impl Check {
    /// True when the measured `value` meets the condition (the check fails).
    fn holds(&self, value: f64) -> bool {
        match self.operator {
            ">" => value > self.limit,
            ">=" => value >= self.limit,
            "<" => value < self.limit,
            "<=" => value <= self.limit,
            "==" => value == self.limit,
            _ => value != self.limit,
        }
    }

    /// True when this check needs the leak suspects.
    pub fn needs_suspects(&self) -> bool {
        matches!(self.metric, Metric::Suspects | Metric::Leaked)
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// What the leak finder found, for the checks.
#[derive(Debug, Clone, Default)]
pub struct Judged {
    /// Number of suspects.
    pub suspects: usize,
    /// Goroutines proven leaked.
    pub leaked: u64,
    /// Why growth could not be judged, if it could not.
    pub cannot_judge: Option<String>,
}

/// What the checks measure, gathered as snapshots go by.
#[derive(Debug, Default)]
pub struct Measures {
    largest: Option<u64>,
    last: Option<u64>,
    first_complete: Option<u64>,
    last_complete: Option<u64>,
    /// The least-squares line through the complete snapshots' totals.
    line: LeastSquares,
    first_time: Option<crate::input::timestamp::Timestamp>,
}

impl Measures {
    /// Takes one snapshot.
    pub fn observe(&mut self, snap: &Snapshot) {
        if !snap.status.has_profile() {
            return;
        }
        let total = snap.total.unwrap_or_else(|| snap.counted());
        self.largest = self.largest.max(Some(total));
        self.last = Some(total);
        if snap.status != Status::Complete {
            return;
        }
        self.first_complete.get_or_insert(total);
        self.last_complete = Some(total);
        let t = match snap.time {
            Some(time) => time.seconds_since(self.first_time.get_or_insert(time)),
            None => snap.index as f64,
        };
        self.line.add(t, total as f64);
    }

    fn value(&self, metric: Metric, stats: &Stats, judged: &Judged) -> f64 {
        match metric {
            Metric::Total => self.largest.unwrap_or(0) as f64,
            Metric::Last => self.last.unwrap_or(0) as f64,
            Metric::Growth => {
                self.last_complete.unwrap_or(0) as f64 - self.first_complete.unwrap_or(0) as f64
            }
            Metric::Slope => self
                .line
                .slope()
                .map_or(0.0, |per_second| per_second * 60.0),
            Metric::Suspects => judged.suspects as f64,
            Metric::Leaked => judged.leaked as f64,
            Metric::Status(status) => stats.count(status) as f64,
            Metric::Unknown => stats.unknown_lines as f64,
        }
    }

    /// The checks that hold, each with what it measured (`growth>100
    /// (growth is 496)`), and those that cannot be judged (`suspects>0
    /// (cannot judge: 2 snapshots (need 5))`).
    pub fn failures(
        &self,
        checks: &[Check],
        stats: &Stats,
        judged: &Judged,
    ) -> (Vec<String>, Vec<String>) {
        let mut failures = Vec::new();
        let mut unjudged = Vec::new();
        for check in checks {
            if check.metric == Metric::Suspects
                && let Some(why) = &judged.cannot_judge
            {
                // Proven leaks are suspects whatever the growth says.
                if judged.suspects > 0 && check.holds(judged.suspects as f64) {
                    failures.push(format!("{check} (suspects is {})", judged.suspects));
                } else {
                    unjudged.push(format!("{check} (cannot judge: {why})"));
                }
                continue;
            }
            let value = self.value(check.metric, stats, judged);
            let name = METRICS
                .iter()
                .find(|(_, m)| *m == check.metric)
                .map_or("", |(n, _)| n);
            let shown = if value.fract() == 0.0 {
                format!("{value}")
            } else {
                format!("{value:.2}")
            };
            if check.holds(value) {
                failures.push(format!("{check} ({name} is {shown})"));
            }
        }
        (failures, unjudged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_parse() {
        type Parsed = Option<(Metric, &'static str, f64)>;
        let cases: &[(&str, Parsed)] = &[
            ("total>100", Some((Metric::Total, ">", 100.0))),
            ("growth >= 5", Some((Metric::Growth, ">=", 5.0))),
            ("slope>0.5", Some((Metric::Slope, ">", 0.5))),
            ("suspects!=0", Some((Metric::Suspects, "!=", 0.0))),
            (
                "missing > 0",
                Some((Metric::Status(Status::Missing), ">", 0.0)),
            ),
            ("error==3", Some((Metric::Status(Status::Error), "==", 3.0))),
            ("total<=10", Some((Metric::Total, "<=", 10.0))),
            ("totals>1", None),
            ("total>", None),
            ("total=1", None),
            ("> 5", None),
        ];
        for (text, expected) in cases {
            let got = text
                .parse::<Check>()
                .ok()
                .map(|c| (c.metric, c.operator, c.limit));
            assert_eq!(got, *expected, "{text}");
        }
    }

    #[test]
    fn operators_compare() {
        let check = |text: &str, value: f64| text.parse::<Check>().unwrap().holds(value);
        assert!(check("total>5", 6.0) && !check("total>5", 5.0));
        assert!(check("total>=5", 5.0) && check("total<6", 5.0) && check("total<=5", 5.0));
        assert!(check("total==5", 5.0) && check("total!=5", 4.0) && !check("total!=5", 5.0));
    }
}
