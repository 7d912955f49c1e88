//! The one pass over the input: a consumer that hands each snapshot to the
//! run's one [`Aggregation`] (so the call tree, flame graph and top stacks
//! aggregate exactly as pp-fold does, from the same keys) and keeps, beside
//! it, what the other sections need: the bounded timeline of totals, the
//! totals' distribution, and the leak tracker pp-totals --leaks uses, fed the
//! aggregation's stack names when the page folds by function names. Nothing
//! is kept per snapshot.

use super::sources::Sources;
use super::summary::Distribution;
use crate::analysis::leak::{LeakFinder, LeakTracker};
use crate::analysis::series::{Point, Series};
use crate::analysis::{AggregateOptions, Aggregation};
use crate::assemble::Consumer;
use crate::error::Error;
use crate::model::{Interner, Kind, Sample, Snapshot};

/// How many buckets the timeline keeps at most.
pub const TIMELINE_BUCKETS: usize = 512;

/// The consumer; see the module documentation.
pub struct Collector {
    /// The run's aggregation, as pp-fold aggregates.
    pub aggregation: Aggregation,
    /// Total per snapshot over time, folded and failed snapshots alike.
    pub series: Series,
    /// The totals of the folded snapshots.
    pub totals: Distribution,
    /// What the folded value counts (`goroutines`, `inuse_space`, ...).
    pub unit: Option<String>,
    /// The leak suspects, ranked as `pp-totals --leaks` ranks them.
    pub leaks: LeakTracker,
    /// What the leak tracker counts: the kind's default value.
    pub leak_unit: Option<String>,
    /// A tracker with names of its own, when the page folds stacks
    /// otherwise (`--lines`, `--trim-runtime`) or per label set
    /// (`--labels`); `None`: `leaks` shares the aggregation's names.
    pub leak_finder: Option<LeakFinder>,
    /// With several sources: a finder per source, so a leak in one pod is
    /// found even when the fleet's total is flat (then `leaks` and
    /// `leak_finder` see nothing).
    pub source_finders: Vec<LeakFinder>,
    /// With several sources: each one's timeline and last counts.
    pub sources: Option<Sources>,
}

impl Collector {
    /// A collector folding with `options`.
    pub fn new(options: &AggregateOptions) -> Collector {
        let shared =
            LeakTracker::shares_names(options.style, options.trim_runtime) && !options.labels;
        Collector {
            aggregation: Aggregation::new(options.clone()),
            series: Series::new(TIMELINE_BUCKETS),
            totals: Distribution::default(),
            unit: None,
            leaks: LeakTracker::new(true),
            leak_unit: None,
            leak_finder: (!shared).then(|| LeakFinder::new(options.labels, true)),
            source_finders: Vec::new(),
            sources: None,
        }
    }

    /// Feeds the leak tracker a folded snapshot, with its records' names.
    fn track_leaks(&mut self, snap: &Snapshot, interner: &Interner) {
        if self.leak_unit.is_none() {
            self.leak_unit = Some(unit(snap, snap.sample.default_value()));
        }
        if self.observe_per_source(snap, interner) {
            return;
        }
        match &mut self.leak_finder {
            Some(finder) => finder.observe(snap, interner),
            None => self
                .leaks
                .observe(snap, self.aggregation.record_texts(), interner),
        }
    }
}

impl Collector {
    /// Feeds the finder of the source being read, when there are several;
    /// false when there is one.
    fn observe_per_source(&mut self, snap: &Snapshot, interner: &Interner) -> bool {
        let Some(sources) = &self.sources else {
            return false;
        };
        match self.source_finders.get_mut(sources.current()) {
            Some(finder) => {
                finder.observe(snap, interner);
                true
            }
            None => false,
        }
    }
}

/// What value `index` of `snap`'s records counts, in words.
fn unit(snap: &Snapshot, index: usize) -> String {
    match (snap.sample, &snap.kind) {
        (Sample::Count, Kind::Goroutine | Kind::GoroutineLeak) => "goroutines".to_string(),
        (Sample::Count, Kind::Threadcreate) => "threads".to_string(),
        (Sample::Count, _) => "samples".to_string(),
        _ => {
            let names = snap.value_names();
            let Some(&name) = names.get(index) else {
                return "value".to_string();
            };
            // What the number is: pprof's unit for each value Go writes.
            let unit = match name {
                "alloc_space" | "inuse_space" => "bytes",
                "alloc_objects" | "inuse_objects" => "objects",
                "delay" | "cpu" => "nanoseconds",
                _ => return name.to_string(),
            };
            format!("{name} ({unit})")
        }
    }
}

impl Consumer for Collector {
    fn begin_source(&mut self, name: &str) -> Result<(), Error> {
        if let Some(sources) = &mut self.sources {
            sources.begin_file(name);
        }
        Ok(())
    }

    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let folded = self.aggregation.add(snap, interner)?;
        let mut value = None;
        if folded {
            self.track_leaks(snap, interner);
            let index = self.aggregation.value_index();
            if self.unit.is_none() {
                self.unit = Some(unit(snap, index));
            }
            let total = match snap.sample {
                Sample::Count => snap.total.unwrap_or_else(|| snap.counted()),
                _ => snap.records.iter().map(|r| r.values[index]).sum(),
            };
            self.totals.add(total);
            value = Some(total);
        } else if !snap.status.has_profile() || snap.kind == Kind::GoroutineLeak {
            // A gap may mean a restart, and a goroutineleak profile (another
            // kind than the page's) names the goroutines proven leaked: the
            // tracker sees them too.
            if self.observe_per_source(snap, interner) {
                // Counted for its source.
            } else if let Some(finder) = &mut self.leak_finder {
                finder.observe(snap, interner);
            } else {
                let keys: Vec<u32> = (snap.records.iter())
                    .map(|r| self.aggregation.names_mut().id(r.stack, interner))
                    .collect();
                self.leaks.observe(snap, &keys, interner);
            }
        }
        // Snapshots of another kind (with --kind) are left out; failed ones
        // are kept, to be marked on the timeline.
        if let Some(sources) = &mut self.sources
            && (folded || !snap.status.has_profile())
        {
            let texts = if folded {
                self.aggregation.record_texts()
            } else {
                &[]
            };
            sources.observe(snap, value, texts, self.aggregation.value_index());
        }
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
