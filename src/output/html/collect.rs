//! The one pass over the input: a consumer that hands each snapshot to
//! pp-fold's [`Folder`] (so the call tree and flame graph aggregate exactly
//! as pp-fold does) and keeps, beside it, what the other sections need: the
//! bounded timeline of totals, the totals' distribution, and the per-stack
//! first/last/peak state. Nothing is kept per snapshot.

use super::stacks::StackTable;
use super::summary::Distribution;
use crate::assemble::Consumer;
use crate::error::Error;
use crate::model::series::{Point, Series};
use crate::model::{Interner, Sample, Snapshot};
use crate::output::fold::{FoldOptions, Folder};

/// How many buckets the timeline keeps at most.
pub const TIMELINE_BUCKETS: usize = 512;

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
    pub kind: Option<String>,
    /// What the folded value counts (`goroutines`, `inuse_space`, ...).
    pub unit: Option<String>,
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
            .and_then(|name| snap.sample.value_index(&snap.kind, name))
            .unwrap_or_else(|| snap.sample.default_value())
    }
}

/// What value `index` of `snap`'s records counts, in words.
fn unit(snap: &Snapshot, index: usize) -> String {
    match (snap.sample, snap.kind.as_str()) {
        (Sample::Count, "goroutine" | "goroutineleak") => "goroutines".to_string(),
        (Sample::Count, "threadcreate") => "threads".to_string(),
        (Sample::Count, _) => "samples".to_string(),
        _ => snap.sample.value_names(&snap.kind)[index].to_string(),
    }
}

impl Consumer for Collector {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let before = self.folder.snapshots();
        self.folder.snapshot(snap, interner)?;
        let folded = self.folder.snapshots() > before;
        let mut value = None;
        if folded {
            let index = self.value_index(snap);
            self.stacks.add(snap, index, interner);
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
