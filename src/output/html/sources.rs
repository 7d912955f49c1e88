//! The page's view of several sources (one log per pod): a small timeline
//! per source on one time axis, and for the top stacks, each source's count
//! in its last snapshot.
//!
//! pp-html reads the sources in order as one input (its tree, flame graph and
//! top stacks add them up); this keeps, beside that, per source a bounded
//! [`Series`] of its totals and, per stack text, its count in the source's
//! last snapshot: fixed memory per source and stack.

use std::fmt::Write as _;

use super::escape;
use super::page::Report;
use crate::analysis::series::{Bucket, Point, Series};
use crate::input::Source;
use crate::input::timestamp::Timestamp;
use crate::model::{Snapshot, Status};

/// Buckets of each source's timeline.
const BUCKETS: usize = 128;
const WIDTH: f64 = 1000.0;
const ROW: f64 = 44.0;
const LEFT: f64 = 160.0;
const RIGHT: f64 = 984.0;

/// One source's timeline and last counts.
pub struct SourceView {
    /// Its name.
    pub name: String,
    /// Its totals, one point per snapshot.
    pub series: Series,
    snapshots: u64,
    /// Per stack text id: its count in this source's last folded snapshot.
    last: Vec<u64>,
    touched: Vec<u32>,
}

/// Every source's view, and which source is being read.
pub struct Sources {
    /// The sources, in the order given.
    pub views: Vec<SourceView>,
    /// Every file in reading order, with its source.
    files: Vec<(String, usize)>,
    /// Where in `files` the next input is looked for.
    next: usize,
    current: usize,
}

impl Sources {
    /// The views of `sources`, or `None` for a single source.
    pub fn new(sources: &[(String, Vec<Source>)]) -> Option<Sources> {
        if sources.len() < 2 {
            return None;
        }
        let files = (sources.iter().enumerate())
            .flat_map(|(i, (_, files))| files.iter().map(move |f| (f.name(), i)))
            .collect();
        let views = sources
            .iter()
            .map(|(name, _)| SourceView {
                name: name.clone(),
                series: Series::new(BUCKETS),
                snapshots: 0,
                last: Vec::new(),
                touched: Vec::new(),
            })
            .collect();
        Some(Sources {
            views,
            files,
            next: 0,
            current: 0,
        })
    }

    /// The index of the source being read.
    pub fn current(&self) -> usize {
        self.current
    }

    /// The input named `file` (as [`Source::name`] names it) starts: the
    /// next one of that name in reading order (inputs that could not be
    /// opened never start), so one file given to two sources counts for each.
    pub fn begin_file(&mut self, file: &str) {
        if let Some(at) = self.files[self.next..]
            .iter()
            .position(|(name, _)| name == file)
        {
            self.current = self.files[self.next + at].1;
            self.next += at + 1;
        }
    }

    /// Counts `snap` for the source being read: its total (`None` when it
    /// has no profile), and when it was folded, each record's stack text
    /// (`texts`) with its value `values[value]`.
    pub fn observe(&mut self, snap: &Snapshot, total: Option<u64>, texts: &[u32], value: usize) {
        let view = &mut self.views[self.current];
        view.series.push(Point {
            index: view.snapshots,
            time: snap.time,
            value: total,
            status: snap.status,
        });
        view.snapshots += 1;
        if texts.is_empty() || !matches!(snap.status, Status::Complete | Status::Partial) {
            return;
        }
        for &t in &view.touched {
            view.last[t as usize] = 0;
        }
        view.touched.clear();
        for (record, &text) in snap.records.iter().zip(texts) {
            let slot = text as usize;
            if slot >= view.last.len() {
                view.last.resize(slot + 1, 0);
            }
            if view.last[slot] == 0 {
                view.touched.push(text);
            }
            view.last[slot] += record.values[value];
        }
    }

    /// The earliest and the latest time of any source, when they have times.
    pub fn time_span(&self) -> Option<(Timestamp, Timestamp)> {
        let mut span: Option<(Timestamp, Timestamp)> = None;
        for b in self.views.iter().flat_map(|v| v.series.buckets()) {
            let (Some(first), Some(last)) = (b.first_time, b.last_time) else {
                continue;
            };
            span = Some(match span {
                None => (first, last),
                Some((lo, hi)) => (
                    if first.cmp_instant(&lo).is_lt() {
                        first
                    } else {
                        lo
                    },
                    if last.cmp_instant(&hi).is_gt() {
                        last
                    } else {
                        hi
                    },
                ),
            });
        }
        span
    }

    /// Each source's count of stack text `text` in its last snapshot.
    pub fn last_counts(&self, text: u32) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.views.iter().map(move |v| {
            let count = v.last.get(text as usize).copied().unwrap_or(0);
            (v.name.as_str(), count)
        })
    }
}

/// The first and last instant over every source, when every bucket has a time.
fn time_range(sources: &Sources) -> Option<(f64, f64)> {
    let timed = (sources.views.iter())
        .flat_map(|v| v.series.buckets())
        .all(|b| b.first_time.is_some() && b.last_time.is_some());
    let (first, last) = sources.time_span().filter(|_| timed)?;
    Some((seconds(first), seconds(last)))
}

fn seconds(t: Timestamp) -> f64 {
    let (s, n) = t.instant();
    s as f64 + f64::from(n) / 1e9
}

/// Renders the sources section: a row per source, its totals' line on the
/// time axis all rows share (the snapshot index when some have no time).
pub fn render(report: &Report<'_>, out: &mut String) {
    let Some(sources) = report.sources else {
        out.push_str("<p>One source.</p>");
        return;
    };
    let range = time_range(sources);
    let longest = sources.views.iter().map(|v| v.snapshots).max().unwrap_or(1);
    let x = |b: &Bucket| -> f64 {
        let at = match (range, b.last_time) {
            (Some((lo, hi)), Some(t)) if hi > lo => (seconds(t) - lo) / (hi - lo),
            _ => b.last_index as f64 / longest.saturating_sub(1).max(1) as f64,
        };
        LEFT + at * (RIGHT - LEFT)
    };
    let _ = write!(
        out,
        "<p class=\"note\">Each source's total {} per snapshot, on one {} axis; each row \
         has its own scale (its peak on the right).</p>",
        escape::to_html(report.unit),
        if range.is_some() { "time" } else { "snapshot" }
    );
    let height = ROW * sources.views.len() as f64 + 8.0;
    let _ = write!(
        out,
        "<div class=\"chart\"><svg class=\"sources\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\" \
         aria-label=\"total per snapshot of each source\">"
    );
    for (row, view) in sources.views.iter().enumerate() {
        let top = 4.0 + ROW * row as f64;
        let buckets = view.series.buckets();
        let peak = buckets.iter().filter_map(|b| b.max).max().unwrap_or(0);
        let y = |v: u64| top + ROW - 8.0 - (ROW - 14.0) * v as f64 / peak.max(1) as f64;
        out.push_str("<text class=\"source-name\" x=\"4\" y=\"");
        let _ = write!(out, "{:.1}\">", top + ROW / 2.0);
        escape::text(out, &view.name);
        out.push_str("</text>");
        let _ = write!(
            out,
            "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{0:.1}\" y2=\"{0:.1}\"/>",
            top + ROW - 8.0
        );
        // A gap (no value) ends a line; failed snapshots are marked.
        let mut path = String::new();
        for b in buckets {
            match b.last {
                Some(v) => {
                    let _ = write!(
                        path,
                        "{}{:.1},{:.1}",
                        if path.is_empty() { "M" } else { " L" },
                        x(b),
                        y(v)
                    );
                }
                None => {
                    if !path.is_empty() {
                        let _ = write!(out, "<path class=\"line\" d=\"{path}\"/>");
                        path.clear();
                    }
                    let _ = write!(
                        out,
                        "<rect class=\"mark missing\" x=\"{:.1}\" y=\"{top:.1}\" width=\"2\" height=\"{:.1}\"/>",
                        x(b) - 1.0,
                        ROW - 8.0
                    );
                }
            }
        }
        if !path.is_empty() {
            let _ = write!(out, "<path class=\"line\" d=\"{path}\"/>");
        }
        let _ = write!(
            out,
            "<text class=\"peak\" x=\"{WIDTH}\" y=\"{:.1}\" text-anchor=\"end\">{peak}</text>",
            top + 12.0
        );
    }
    out.push_str("</svg></div>");
}
