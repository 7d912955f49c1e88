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
use crate::model::{Interner, Snapshot};
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
}

impl Collector {
    /// A collector folding with `options`.
    pub fn new(options: &FoldOptions) -> Collector {
        Collector {
            folder: Folder::new(options.clone()),
            stacks: StackTable::new(options.style, options.trim_runtime, options.labels),
            series: Series::new(TIMELINE_BUCKETS),
            totals: Distribution::default(),
            kind: None,
        }
    }
}

impl Consumer for Collector {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let before = self.folder.snapshots();
        self.folder.snapshot(snap, interner)?;
        let folded = self.folder.snapshots() > before;
        let mut value = None;
        if folded {
            self.stacks.add(snap, interner);
            if self.kind.is_none() {
                self.kind = Some(snap.kind.clone());
            }
            let total = snap.total.unwrap_or_else(|| snap.counted());
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
