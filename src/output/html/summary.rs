//! The summary section: input, snapshots by status, time range, the
//! smallest, median and largest total, the profile kind; and the bounded
//! [`Distribution`] of totals the median comes from.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::escape;
use super::page::Report;
use crate::model::Status;

/// How many distinct values a [`Distribution`] keeps before it coarsens.
const MAX_DISTINCT: usize = 4096;

/// The totals seen, as a histogram of at most [`MAX_DISTINCT`] values: exact
/// while the totals take fewer distinct values than that (goroutine counts
/// do), then values are grouped into ranges of 2, 4, 8, ... and the median
/// becomes an estimate (the middle of its range).
#[derive(Debug, Clone, Default)]
pub struct Distribution {
    counts: BTreeMap<u64, u64>,
    shift: u32,
    n: u64,
    min: Option<u64>,
    max: Option<u64>,
}

impl Distribution {
    /// Adds one value.
    pub fn add(&mut self, value: u64) {
        self.n += 1;
        self.min = Some(self.min.map_or(value, |m| m.min(value)));
        self.max = Some(self.max.map_or(value, |m| m.max(value)));
        *self.counts.entry(value >> self.shift).or_default() += 1;
        if self.counts.len() > MAX_DISTINCT {
            self.shift += 1;
            let mut coarser = BTreeMap::new();
            for (key, count) in std::mem::take(&mut self.counts) {
                *coarser.entry(key >> 1).or_default() += count;
            }
            self.counts = coarser;
        }
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// The smallest value.
    pub fn min(&self) -> Option<u64> {
        self.min
    }

    /// The largest value.
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// The median (the mean of the two middle values for an even count), and
    /// whether it is exact.
    pub fn median(&self) -> Option<(f64, bool)> {
        if self.n == 0 {
            return None;
        }
        let (low, high) = (self.nth((self.n - 1) / 2), self.nth(self.n / 2));
        Some(((low + high) / 2.0, self.shift == 0))
    }

    /// The value of rank `rank` (0-based), or the middle of its range.
    fn nth(&self, rank: u64) -> f64 {
        let mut seen = 0;
        for (&key, &count) in &self.counts {
            seen += count;
            if seen > rank {
                let start = key << self.shift;
                let width = (1u64 << self.shift) - 1;
                return start as f64 + width as f64 / 2.0;
            }
        }
        unreachable!("rank below the number of values")
    }
}

/// Renders the summary section.
pub fn render(report: &Report<'_>, out: &mut String) {
    out.push_str("<dl class=\"facts\">");
    fact(out, "Input", |o| escape::name(o, &report.inputs.join(", ")));
    fact(out, "Profile kind", |o| {
        escape::text(o, report.kind.unwrap_or("none"))
    });
    fact(out, "Snapshots", |o| statuses(report, o));
    fact(out, "Time range", |o| time_range(report, o));
    fact(out, "Total per snapshot", |o| totals(report, o));
    fact(out, "Distinct stacks", |o| {
        let _ = write!(
            o,
            "{} ({} frames, {} call-tree nodes)",
            report.distinct_stacks,
            report.interner.frame_count(),
            report.tree_nodes
        );
    });
    if report.stats.unknown_lines > 0 {
        fact(out, "Skipped lines", |o| {
            let _ = write!(
                o,
                "{} not understood, first at ",
                report.stats.unknown_lines
            );
            escape::text(o, &report.stats.unknown_at.join(", "));
        });
    }
    out.push_str("</dl>\n");
}

fn fact(out: &mut String, name: &str, value: impl FnOnce(&mut String)) {
    let _ = write!(out, "<div><dt>{name}</dt><dd>");
    value(out);
    out.push_str("</dd></div>");
}

fn statuses(report: &Report<'_>, out: &mut String) {
    let _ = write!(out, "{}", report.stats.snapshots());
    let parts: Vec<String> = Status::ALL
        .iter()
        .map(|&s| {
            let n = report.stats.count(s);
            let class = if n > 0 { s.as_str() } else { "zero" };
            format!("<span class=\"status {class}\">{n} {}</span>", s.as_str())
        })
        .collect();
    let _ = write!(out, ": {}", parts.join(", "));
}

fn time_range(report: &Report<'_>, out: &mut String) {
    let Some(all) = report.series.overall() else {
        out.push_str("no snapshots");
        return;
    };
    // Several sources read one after another: the range is over all of them.
    let (first, last) = match report.sources.and_then(|s| s.time_span()) {
        Some(span) => (Some(span.0), Some(span.1)),
        None => (all.first_time, all.last_time),
    };
    match (first, last) {
        (Some(first), Some(last)) => {
            let seconds = last.seconds_since(&first);
            let _ = write!(
                out,
                "{first} → {last} ({})",
                super::timeline::duration(seconds)
            );
        }
        _ => out.push_str("no timestamps"),
    }
    let _ = write!(out, "; snapshots {}–{}", all.first_index, all.last_index);
}

fn totals(report: &Report<'_>, out: &mut String) {
    let d = report.totals;
    let (Some(min), Some(max), Some((median, exact))) = (d.min(), d.max(), d.median()) else {
        out.push_str("no profile");
        return;
    };
    let approx = if exact { "" } else { "≈" };
    let plural = if d.len() == 1 { "" } else { "s" };
    let _ = write!(
        out,
        "min {min} · median {approx}{} · max {max} {} (over {} profile{plural})",
        number(median),
        report.unit,
        d.len()
    );
}

/// `12` or `12.5`.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_exact_for_few_values() {
        let cases: &[(&[u64], f64)] = &[(&[5], 5.0), (&[1, 9, 3], 3.0), (&[4, 1, 3, 2], 2.5)];
        for (values, median) in cases {
            let mut d = Distribution::default();
            values.iter().for_each(|&v| d.add(v));
            assert_eq!(d.median(), Some((*median, true)), "{values:?}");
        }
        assert_eq!(Distribution::default().median(), None);
    }

    #[test]
    fn many_distinct_values_stay_bounded() {
        let mut d = Distribution::default();
        for v in 0..100_000u64 {
            d.add(v * 3);
        }
        assert!(d.counts.len() <= MAX_DISTINCT);
        let (median, exact) = d.median().unwrap();
        assert!(!exact);
        assert!((median - 150_000.0).abs() < 150.0, "{median}");
        assert_eq!(
            (d.min(), d.max(), d.len()),
            (Some(0), Some(299_997), 100_000)
        );
    }
}
