//! Leak suspects: which stacks grow over the snapshots, found in one pass
//! with a fixed amount of state per distinct stack.
//!
//! For every stack (folded to its function names, as pp-fold writes it) the
//! tracker keeps its count at the first and last snapshot, its peak and
//! least count, how often it rose and fell from one snapshot to the next, and
//! its series of counts in at most [`BUCKETS`](super::trend::BUCKETS) time buckets (a snapshot
//! without the stack counts as 0). A stack is a suspect when that series
//! passes the trend test of [`trend`](super::trend): a Mann–Kendall trend
//! with `z` ≥ 2 over the run, a Theil–Sen rise of at least 3·sqrt(mean)
//! (its own Poisson noise) and 2 goroutines, still rising over the latter
//! half (`z` ≥ 1), and no fall below an earlier level deeper than half the
//! rise. Its score is the Theil–Sen slope in goroutines per minute. The
//! profiler's own goroutine (`net/http/pprof.*`, `runtime/pprof.write*`) is
//! never a suspect.
//!
//! It cannot judge a run of fewer than [`MIN_SNAPSHOTS`] snapshots or
//! spanning less than [`MIN_SPAN_SECONDS`]: [`LeakTracker::cannot_judge`]
//! says why, and callers say so instead of reporting "no suspect".
//!
//! A restarted program starts over: when a snapshot's total falls after a
//! missing or error snapshot (the program was unreachable), or falls below a
//! quarter of the one before, a new run begins. Each run is judged on its
//! own; the last run that can be judged decides, so a suspect row describes
//! the current run, and a stack that starts from zero again is no suspect.

use super::name::FrameStyle;
use super::namer::StackNamer;
use super::series::merge_pairs;
use super::trend::{self, Buckets, Clock};
use crate::input::timestamp::Timestamp;
use crate::model::{Interner, Kind, Sample, Snapshot, StackId, Status};

/// Fewest snapshots in a run for its stacks to be judged.
pub const MIN_SNAPSHOTS: u64 = 5;
/// Shortest time from a run's first snapshot to its last for it to be judged.
pub const MIN_SPAN_SECONDS: f64 = 4.0;

/// One stack that grows, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// The stack, root first, as pp-fold writes it.
    pub stack: String,
    /// One interned stack that folds to `stack` (the first seen), for its
    /// frames' files and lines.
    pub stack_id: StackId,
    /// Its count at the first snapshot of the run (0 when absent).
    pub first: u64,
    /// Its count at the last snapshot of the run (0 when absent).
    pub last: u64,
    /// Its largest count in the run.
    pub peak: u64,
    /// The Theil–Sen slope of its counts, per minute.
    pub slope_per_minute: f64,
    /// The Mann–Kendall `z` of its counts over the run.
    pub z: f64,
    /// The ranking score (see the module documentation).
    pub score: f64,
    /// How often it rose and fell between consecutive snapshots.
    pub rises: u64,
    /// See `rises`.
    pub falls: u64,
    /// Index of the run's first snapshot.
    pub since_index: u64,
    /// Its largest count per stretch of the whole input, oldest first (at most
    /// the tracker's sparkline length); empty when not asked for.
    pub sparkline: Vec<u64>,
}

/// One stack's state in the current run.
#[derive(Debug, Default)]
struct Track {
    first: u64,
    last_count: u64,
    /// The run ordinal of its last appearance + 1; 0 = not seen in this run.
    seen: u64,
    present: u64,
    peak: u64,
    least: u64,
    rises: u64,
    falls: u64,
    series: Buckets,
    /// Boxed: few stacks are suspects, and a track is kept for every stack.
    best: Option<Box<Suspect>>,
    spark: Vec<u64>,
    spark_width: u64,
}

/// The run (between restarts) being read.
#[derive(Debug, Default)]
struct Run {
    since_index: u64,
    snapshots: u64,
    clock: Clock,
    first_t: f64,
    last_t: f64,
}

impl Run {
    /// True when the run is long enough to judge its stacks.
    fn judgeable(&self) -> bool {
        self.snapshots >= MIN_SNAPSHOTS && self.last_t - self.first_t >= MIN_SPAN_SECONDS
    }
}

/// Follows every stack over the snapshots; see the module documentation.
///
/// The tracker names no stacks itself: each snapshot comes with its records'
/// text ids in a [`StackNamer`] that folds as [`LeakTracker::namer`] does
/// (function names, nothing trimmed), shared with whatever else the caller
/// aggregates. [`LeakFinder`] is a tracker with a namer of its own.
pub struct LeakTracker {
    tracks: Vec<Track>,
    run: Run,
    kind: Option<Kind>,
    first_time: Option<Timestamp>,
    previous_total: Option<u64>,
    gap: bool,
    /// Whether a run that ended could be judged.
    judged: bool,
    /// Profile snapshots seen, over all runs (for sparklines).
    ordinal: u64,
    spark_len: usize,
    spark_width: u64,
    /// A snapshot's count per stack text id while it is read (`None`: absent),
    /// and the ids it holds.
    counts: Vec<Option<u64>>,
    touched: Vec<u32>,
}

impl LeakTracker {
    /// A tracker keeping sparklines of at most `spark_len` points per stack (0 for none).
    pub fn new(spark_len: usize) -> LeakTracker {
        LeakTracker {
            tracks: Vec::new(),
            run: Run::default(),
            kind: None,
            first_time: None,
            previous_total: None,
            gap: false,
            judged: false,
            ordinal: 0,
            spark_len,
            spark_width: 1,
            counts: Vec::new(),
            touched: Vec::new(),
        }
    }

    /// A namer that folds stacks as suspects are told apart: by function names.
    pub fn namer() -> StackNamer {
        StackNamer::new(FrameStyle::Func, false)
    }

    /// True when stacks folded in `style`, trimmed or not, are told apart as
    /// suspects are, so their text ids can be the tracker's.
    pub fn shares_names(style: FrameStyle, trim_runtime: bool) -> bool {
        style == FrameStyle::Func && !trim_runtime
    }

    /// Takes one snapshot, `texts` being its records' text ids in `names`.
    /// Snapshots of another kind than the first one's are ignored.
    pub fn observe(&mut self, snap: &Snapshot, texts: &[u32], names: &StackNamer) {
        if !snap.status.has_profile() {
            self.gap |= matches!(snap.status, Status::Missing | Status::Error);
            return;
        }
        if self.kind.get_or_insert_with(|| snap.kind.clone()) != &snap.kind {
            return;
        }
        let total = snap.total.unwrap_or_else(|| snap.counted());
        if self.restarted(total) {
            self.end_run(names);
            self.run = Run {
                since_index: snap.index,
                ..Run::default()
            };
        }
        if self.run.snapshots == 0 {
            self.run.since_index = snap.index;
        }
        self.previous_total = Some(total);
        self.gap = false;
        let value = if snap.sample == Sample::Count {
            0
        } else {
            snap.sample.default_value()
        };
        // A snapshot's counts per stack, in a dense array (stack text ids are
        // small): cheaper than a map for each record.
        let mut touched = std::mem::take(&mut self.touched);
        for (record, &id) in snap.records.iter().zip(texts) {
            let id = id as usize;
            if id >= self.counts.len() {
                self.counts.resize(id + 1, None);
            }
            let count = self.counts[id].get_or_insert_with(|| {
                touched.push(id as u32);
                0
            });
            *count += record.values[value];
        }
        let t = self.seconds(snap);
        if self.run.snapshots == 0 {
            self.run.first_t = t;
        }
        self.run.last_t = t;
        self.run.snapshots += 1;
        let tick = self.run.clock.tick(t);
        for &id in &touched {
            let count = self.counts[id as usize].take().unwrap_or(0);
            self.touch(id, count, tick);
        }
        touched.clear();
        self.touched = touched;
        self.ordinal += 1;
        while self.spark_len > 0 && self.ordinal.div_ceil(self.spark_width) > self.spark_len as u64
        {
            self.spark_width *= 2;
        }
    }

    /// Profile snapshots taken so far (those of the first kind seen).
    pub fn snapshots(&self) -> u64 {
        self.ordinal
    }

    /// How many points a sparkline covering every snapshot so far has; a
    /// suspect's sparkline is shorter when the stack was gone at the end.
    pub fn sparkline_points(&self) -> usize {
        if self.spark_len == 0 {
            return 0;
        }
        self.ordinal.div_ceil(self.spark_width) as usize
    }

    /// Why the snapshots so far cannot tell a leak, if they cannot: no run
    /// (between restarts) had [`MIN_SNAPSHOTS`] snapshots over
    /// [`MIN_SPAN_SECONDS`]. Then [`LeakTracker::suspects`] is empty.
    pub fn cannot_judge(&self) -> Option<String> {
        if self.judged || self.run.judgeable() {
            return None;
        }
        let run = &self.run;
        Some(if run.snapshots < MIN_SNAPSHOTS {
            let s = if run.snapshots == 1 { "" } else { "s" };
            format!("{} snapshot{s} (need {MIN_SNAPSHOTS})", run.snapshots)
        } else {
            format!(
                "{} snapshots over {:.0} s (need {MIN_SPAN_SECONDS:.0} s)",
                run.snapshots,
                run.last_t - run.first_t
            )
        })
    }

    /// The suspects, best first, after the last snapshot.
    pub fn suspects(mut self, names: &StackNamer) -> Vec<Suspect> {
        self.end_run(names);
        let mut suspects: Vec<Suspect> = self
            .tracks
            .into_iter()
            .filter_map(|t| t.best.map(|b| *b))
            .collect();
        suspects.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.stack.cmp(&b.stack))
        });
        suspects
    }

    fn restarted(&self, total: u64) -> bool {
        match self.previous_total {
            Some(previous) => (self.gap && total < previous) || total < previous / 4,
            None => false,
        }
    }

    /// Seconds since the first timestamp; the snapshot's index where there is none.
    fn seconds(&mut self, snap: &Snapshot) -> f64 {
        match snap.time {
            Some(t) => t.seconds_since(self.first_time.get_or_insert(t)),
            None => snap.index as f64,
        }
    }

    fn touch(&mut self, id: u32, count: u64, tick: u64) {
        let slot = id as usize;
        if slot >= self.tracks.len() {
            self.tracks.resize_with(slot + 1, Track::default);
        }
        let ordinal = self.run.snapshots;
        let track = &mut self.tracks[slot];
        let previous = match track.seen {
            0 if ordinal == 1 => None,
            0 => Some(0),
            seen if seen + 1 == ordinal => Some(track.last_count),
            _ => {
                track.falls += u64::from(track.last_count > 0);
                Some(0)
            }
        };
        match previous {
            None => track.first = count,
            Some(p) => {
                track.rises += u64::from(count > p);
                track.falls += u64::from(count < p);
            }
        }
        if track.seen == 0 {
            track.least = count;
        }
        track.least = track.least.min(count);
        track.peak = track.peak.max(count);
        track.last_count = count;
        track.seen = ordinal;
        track.present += 1;
        track.series.add(tick, count, self.run.clock.width);
        if self.spark_len > 0 {
            spark_add(
                track,
                self.ordinal / self.spark_width,
                count,
                self.spark_width,
            );
        }
    }

    /// Judges every stack on the run that ends, keeps its best, and forgets the run.
    fn end_run(&mut self, names: &StackNamer) {
        let run = std::mem::take(&mut self.run);
        let judgeable = run.judgeable();
        self.judged |= judgeable;
        let times = run.clock.times();
        for (id, track) in self.tracks.iter_mut().enumerate() {
            // The last run that can be judged decides.
            if judgeable {
                track.best = None;
            }
            if judgeable && track.seen != 0 {
                let stack = names.text(id as u32);
                let stack_id = names.representative(id as u32).0;
                track.best = judge(track, &run, &times, &stack, stack_id).map(Box::new);
            }
            let best = track.best.take();
            let (spark, width) = (std::mem::take(&mut track.spark), track.spark_width);
            *track = Track {
                best,
                spark,
                spark_width: width,
                ..Track::default()
            };
        }
        let width = self.spark_width;
        for track in &mut self.tracks {
            spark_compact(track, width);
            if let Some(best) = &mut track.best {
                best.sparkline.clone_from(&track.spark);
            }
        }
    }
}

/// A [`LeakTracker`] with a namer of its own, for consumers that fold
/// nothing else (`pp-totals --leaks`).
pub struct LeakFinder {
    names: StackNamer,
    tracker: LeakTracker,
    texts: Vec<u32>,
}

impl LeakFinder {
    /// A finder keeping sparklines of at most `spark_len` points per stack (0 for none).
    pub fn new(spark_len: usize) -> LeakFinder {
        LeakFinder {
            names: LeakTracker::namer(),
            tracker: LeakTracker::new(spark_len),
            texts: Vec::new(),
        }
    }

    /// The tracker, for its counts so far.
    pub fn tracker(&self) -> &LeakTracker {
        &self.tracker
    }

    /// Takes one snapshot (see [`LeakTracker::observe`]).
    pub fn observe(&mut self, snap: &Snapshot, interner: &Interner) {
        self.texts.clear();
        if snap.status.has_profile() {
            for record in &snap.records {
                self.texts.push(self.names.id(record.stack, interner));
            }
        }
        self.tracker.observe(snap, &self.texts, &self.names);
    }

    /// The suspects, best first, after the last snapshot.
    pub fn suspects(self) -> Vec<Suspect> {
        self.tracker.suspects(&self.names)
    }
}

/// The suspect a track makes over `run`, if it is one.
fn judge(
    track: &mut Track,
    run: &Run,
    times: &[f64],
    stack: &str,
    stack_id: StackId,
) -> Option<Suspect> {
    let last = if track.seen == run.snapshots {
        track.last_count
    } else {
        0
    };
    let falls = track.falls + u64::from(track.seen != run.snapshots && track.last_count > 0);
    let least = if track.present < run.snapshots {
        0
    } else {
        track.least
    };
    // A stack that never changed, or ended no higher than it began, has no trend to test.
    if is_profiler(stack) || track.peak == least || last <= track.first {
        return None;
    }
    let means = run.clock.means(&mut track.series);
    let verdict = trend::judge(times, &means);
    let slope = verdict.slope * 60.0;
    verdict.grows.then(|| Suspect {
        stack: stack.to_string(),
        stack_id,
        first: track.first,
        last,
        peak: track.peak,
        slope_per_minute: slope,
        z: verdict.z,
        score: slope,
        rises: track.rises,
        falls,
        since_index: run.since_index,
        sparkline: Vec::new(),
    })
}

/// The goroutine that writes the profile is in every snapshot, and never a leak.
fn is_profiler(stack: &str) -> bool {
    stack.contains("net/http/pprof.") || stack.contains("runtime/pprof.write")
}

/// Records `count` in sparkline slot `slot` (at `width` snapshots a slot).
fn spark_add(track: &mut Track, slot: u64, count: u64, width: u64) {
    spark_compact(track, width);
    let slot = slot as usize;
    if track.spark.len() <= slot {
        track.spark.resize(slot + 1, 0);
    }
    track.spark[slot] = track.spark[slot].max(count);
}

/// Merges neighbouring slots until the track's slots are `width` wide.
fn spark_compact(track: &mut Track, width: u64) {
    track.spark_width = track.spark_width.max(1);
    while track.spark_width < width {
        track.spark = merge_pairs(&track.spark, u64::max);
        track.spark_width *= 2;
    }
}

#[cfg(test)]
mod tests;
