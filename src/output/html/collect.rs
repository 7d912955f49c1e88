//! The one pass over the input: a consumer that hands each snapshot to
//! pp-fold's [`Folder`] (so the call tree and flame graph aggregate exactly
//! as pp-fold does) and keeps, beside it, what the other sections need: the
//! bounded timeline of totals, the totals' distribution, the per-stack
//! first/last/peak state, and the leak tracker pp-totals --leaks uses. Nothing
//! is kept per snapshot.

use super::stacks::StackTable;
use super::summary::Distribution;
use crate::assemble::Consumer;
use crate::error::Error;
use crate::model::series::{Point, Series};
use crate::model::{Interner, Kind, Sample, Snapshot, StackId};
use crate::output::fold::{FoldOptions, Folder};
use crate::output::leak::LeakTracker;

/// How many buckets the timeline keeps at most.
pub const TIMELINE_BUCKETS: usize = 512;
/// How many points a leak suspect's sparkline has at most.
pub const SPARKLINE_POINTS: usize = 32;

/// The consumer; see the module documentation.
pub struct Collector {
    /// pp-fold's aggregation.
    pub folder: Folder,
    /// First, last and peak count per stack.
    pub stacks: StackTable,
    /// Total per snapshot over time, folded and failed snapshots alike.
    pub series: Series,
    /// The totals of the folded snapshots.
    pub totals: Distribution,
    /// The kind of the folded profiles.
    pub kind: Option<Kind>,
    /// What the folded value counts (`goroutines`, `inuse_space`, ...).
    pub unit: Option<String>,
    /// The leak suspects, ranked as `pp-totals --leaks` ranks them.
    pub leaks: LeakTracker,
    /// What the leak tracker counts: the kind's default value.
    pub leak_unit: Option<String>,
    /// The distinct stacks of the folded snapshots, in order of appearance.
    pub seen: Vec<StackId>,
    /// Stack id → whether it is in `seen`.
    seen_flags: Vec<bool>,
    /// `--kind`: the kind folded, if chosen.
    only_kind: Option<Kind>,
    /// `--value`: the value to fold, by name; `None` is pprof's default.
    value: Option<String>,
}

impl Collector {
    /// A collector folding with `options`.
    pub fn new(options: &FoldOptions) -> Collector {
        Collector {
            folder: Folder::new(options.clone()),
            stacks: StackTable::new(options),
            series: Series::new(TIMELINE_BUCKETS),
            totals: Distribution::default(),
            kind: None,
            unit: None,
            leaks: LeakTracker::new(SPARKLINE_POINTS),
            leak_unit: None,
            seen: Vec::new(),
            seen_flags: Vec::new(),
            only_kind: options.kind.clone(),
            value: options.value.clone(),
        }
    }
}

impl Collector {
    /// Which of a record's values is folded: `--value`, or pprof's default
    /// for the kind (the folder has already refused a name the kind lacks).
    fn value_index(&self, snap: &Snapshot) -> usize {
        self.value
            .as_deref()
            .and_then(|name| snap.sample.value_index(snap.kind.as_str(), name))
            .unwrap_or_else(|| snap.sample.default_value())
    }
}

impl Collector {
    /// Feeds the leak tracker what pp-totals --leaks feeds it: every snapshot,
    /// failed ones included (a gap may mean a restart), but with `--kind`
    /// only profiles of that kind.
    fn track_leaks(&mut self, snap: &Snapshot, interner: &Interner) {
        let other_kind = self.only_kind.as_ref().is_some_and(|k| *k != snap.kind);
        if snap.status.has_profile() && other_kind {
            return;
        }
        if snap.status.has_profile() && self.leak_unit.is_none() {
            self.leak_unit = Some(unit(snap, snap.sample.default_value()));
        }
        self.leaks.observe(snap, interner);
    }

    /// Adds `snap`'s new stacks to `seen`.
    fn see(&mut self, snap: &Snapshot) {
        for record in &snap.records {
            let slot = record.stack.index();
            if slot >= self.seen_flags.len() {
                self.seen_flags.resize(slot + 1, false);
            }
            if !self.seen_flags[slot] {
                self.seen_flags[slot] = true;
                self.seen.push(record.stack);
            }
        }
    }
}

/// What value `index` of `snap`'s records counts, in words.
fn unit(snap: &Snapshot, index: usize) -> String {
    match (snap.sample, &snap.kind) {
        (Sample::Count, Kind::Goroutine | Kind::GoroutineLeak) => "goroutines".to_string(),
        (Sample::Count, Kind::Threadcreate) => "threads".to_string(),
        (Sample::Count, _) => "samples".to_string(),
        _ => snap.sample.value_names(snap.kind.as_str())[index].to_string(),
    }
}

impl Consumer for Collector {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        self.track_leaks(snap, interner);
        let before = self.folder.snapshots();
        self.folder.snapshot(snap, interner)?;
        let folded = self.folder.snapshots() > before;
        let mut value = None;
        if folded {
            let index = self.value_index(snap);
            self.stacks.add(snap, index, interner);
            self.see(snap);
            if self.kind.is_none() {
                self.kind = Some(snap.kind.clone());
                self.unit = Some(unit(snap, index));
            }
            let total = match snap.sample {
                Sample::Count => snap.total.unwrap_or_else(|| snap.counted()),
                _ => snap.records.iter().map(|r| r.values[index]).sum(),
            };
            self.totals.add(total);
            value = Some(total);
        }
        // Snapshots of another kind (with --kind) are left out; failed ones
        // are kept, to be marked on the timeline.
        if folded || !snap.status.has_profile() {
            self.series.push(Point {
                index: snap.index,
                time: snap.time,
                value,
                status: snap.status,
            });
        }
        Ok(())
    }
}
