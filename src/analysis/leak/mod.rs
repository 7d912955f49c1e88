//! Leak suspects: which stacks keep growing, found in one pass with a fixed
//! amount of state per distinct stack (or stack and label set).
//!
//! For every stack (folded to its function names, as pp-fold writes it) the
//! tracker keeps its count at the first and last snapshot of the run, its
//! peak, how often it rose and fell, and its counts summed into at most
//! [`BUCKETS`] buckets of consecutive snapshots (pairs merge as the run
//! grows, so a bucket is one snapshot in a short run and many in a long
//! one). A snapshot without the stack counts 0. At the end of the run each
//! stack's bucket means are judged; it is a suspect when all of these hold:
//!
//! 1. **it rises**: the Mann–Kendall test over its bucket means has
//!    `z ≥` [`MIN_Z`] (one-sided p ≈ 0.01): a rank test, so it is measured
//!    against the stack's own noise, and one burst does not make a trend;
//! 2. **it still rises at the end**: over the latter half of the buckets the
//!    Mann–Kendall statistic and the Theil–Sen slope are both above 0 — a
//!    pool that warmed up and stays flat, a backlog that drained, a batch
//!    that ended are not leaks;
//! 3. **the rise is more than noise**: the Theil–Sen slope over the run
//!    adds up to at least [`MIN_GROWTH`] and to [`NOISE_SIGMAS`] times the
//!    square root of the stack's mean count (the spread of a Poisson count:
//!    a stack of 15 goroutines wobbles by about 4);
//! 4. **it gives nothing back**: it never fell below its peak so far by more
//!    than [`MAX_GIVE_BACK`] of that rise and [`GIVE_BACK_SIGMAS`] times the
//!    square root of its mean: a sawtooth of batches that fill and empty is
//!    not a leak, however its last tooth ends.
//!
//! **Wait age.** In debug=2 dumps a goroutine blocked for a minute or more
//! says so (`[chan send, 3 minutes]`). Leaked goroutines age past a minute
//! and stay; a stack's short-lived goroutines never do, so the number of its
//! goroutines that have waited a minute or more (its `waited` count) is the
//! leak without the stack's traffic. A stack whose count is too noisy to
//! pass the rules is a suspect when its waited count, bucketed the same way,
//! passes all four (rule 4 on its bucket means): an idle pool that aged past
//! a minute together is one step, not a rise, and a keep-alive connection
//! that waits for ever is flat.
//!
//! Its score is that Theil–Sen slope per minute: of its count, or, when only
//! its waited count proves the rise, of that. A run shorter than
//! [`MIN_SNAPSHOTS`] snapshots or [`MIN_SECONDS`] seconds cannot be judged:
//! [`LeakTracker::cannot_judge`] says so, rather than "no leak". The
//! profiler's own goroutine (`net/http/pprof.*`, `runtime/pprof.write*`) is
//! never a suspect.
//!
//! **Proven leaks.** Go 1.26+ serves `goroutineleak` profiles, whose
//! goroutines the garbage collector found blocked forever, and debug=2 dumps
//! mark them `[chan send (leaked)]`. Their counts never enter the growth
//! test (a goroutineleak snapshot is not a goroutine census): each stack
//! keeps the goroutines proven leaked at the last such snapshot, its
//! `leaked` count, and a stack with any is listed whatever its trend (a leak
//! capped by a semaphore is flat).
//!
//! **Restarts.** When a snapshot's total falls after a missing or error
//! snapshot (the program was unreachable), or below a quarter of the one
//! before, a new run begins. The verdict is the last run's, when it can be
//! judged (else the run before it stands), so a suspect row describes the
//! program as it runs now.

use super::name::FrameStyle;
use super::namer::StackNamer;
use super::series::merge_pairs;
use super::trend::{mann_kendall, theil_sen};
use crate::input::timestamp::Timestamp;
use crate::model::{Interner, Kind, Sample, Snapshot, StackId, Status};

/// Fewest snapshots in a run for its stacks to be judged.
pub const MIN_SNAPSHOTS: u64 = 5;
/// Shortest run, in seconds, for its stacks to be judged (when it has times).
pub const MIN_SECONDS: f64 = 4.0;
/// At most this many buckets per stack and run: the series the tests see,
/// and a suspect's sparkline.
pub const BUCKETS: usize = 32;
/// The Mann–Kendall standard score a rise must reach: one-sided p ≈ 0.01.
pub const MIN_Z: f64 = 2.33;
/// A suspect's Theil–Sen rise over its run is at least this many goroutines...
pub const MIN_GROWTH: f64 = 2.0;
/// ...and at least this many times the square root of its mean count.
pub const NOISE_SIGMAS: f64 = 2.0;
/// A suspect never fell below its running peak by more than this share of
/// its rise...
pub const MAX_GIVE_BACK: f64 = 0.5;
/// ...or by more than this many times the square root of its mean count,
/// whichever allows more.
pub const GIVE_BACK_SIGMAS: f64 = 4.0;

/// One stack that grows (or that the runtime proved leaked), and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    /// The stack, root first, as pp-fold writes it (with `--labels`, its
    /// labels first).
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
    /// The ranking score: the slope per minute (0 for a proven leak that
    /// does not grow).
    pub score: f64,
    /// How often it rose and fell between consecutive snapshots.
    pub rises: u64,
    /// See `rises`.
    pub falls: u64,
    /// The Mann–Kendall standard score of its bucket means.
    pub z: f64,
    /// Index of the run's first snapshot.
    pub since_index: u64,
    /// Goroutines of this stack the runtime proved leaked, at the last
    /// goroutineleak profile or dump that said.
    pub leaked: u64,
    /// Dumps: the function that created most of its goroutines (interned,
    /// `Interner::creator_name`), at the last snapshot that had the stack;
    /// 0 for none (debug=1 profiles).
    pub creator: u32,
    /// Dumps: the most minutes one of its goroutines had waited (`, N
    /// minutes`) at the last snapshot that had the stack; `None` when none
    /// had waited a minute. Goroutines blocked for longer and longer are the
    /// evidence a person looks for beside the count.
    pub wait_minutes: Option<u32>,
    /// Dumps: how many of its goroutines had waited a minute or more, at the
    /// last snapshot that had the stack.
    pub waited: u64,
    /// What makes it a suspect; with [`Evidence::Wait`], `score` and `z` are
    /// those of its waited count.
    pub evidence: Evidence,
    /// Its mean count per bucket of the run, oldest first (at most
    /// [`BUCKETS`] points); empty when not asked for.
    pub sparkline: Vec<u64>,
}

/// What makes a stack a suspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Evidence {
    /// Its count rose (rules 1 to 4 of the module documentation).
    Growth,
    /// Its count is too noisy to tell, but its goroutines that have waited a
    /// minute or more rose (see the module documentation, *Wait age*).
    Wait,
    /// It does not grow, but the runtime proved some of its goroutines leaked.
    Leaked,
}

impl Evidence {
    /// Its name in pp-totals' `evidence` column: `growth`, `wait`, `leaked`.
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Growth => "growth",
            Evidence::Wait => "wait",
            Evidence::Leaked => "leaked",
        }
    }
}

/// One stack's state in the current run.
#[derive(Debug, Default)]
struct Track {
    first: u64,
    last_count: u64,
    peak: u64,
    /// The run ordinal of its last appearance + 1; 0 = not seen in this run.
    seen: u32,
    rises: u32,
    falls: u32,
    /// The deepest fall below its peak so far, in this run.
    give_back: u64,
    /// Its counts summed per bucket of `width` snapshots, from bucket 0.
    sums: Vec<f32>,
    width: u32,
    leaked: u64,
    /// Dumps: what their goroutines' headers say; boxed, as profiles have
    /// none and pp-html may follow many stacks.
    dump: Option<Box<DumpEvidence>>,
    /// The verdict of the last judged run; boxed, as few stacks have one.
    best: Option<Box<Suspect>>,
}

/// A stack's evidence from dumps.
#[derive(Debug)]
struct DumpEvidence {
    /// The creator of most of its goroutines, the most minutes one had
    /// waited, and how many had waited a minute or more, at the last
    /// snapshot that had the stack (`at`: `snapshots + 1` then).
    creator: u32,
    creator_count: u64,
    wait_minutes: Option<u32>,
    waited: u64,
    at: u64,
    /// Its waited counts summed per bucket of the run, like `Track::sums`
    /// (and merged with them); empty while none was above 0.
    aged: Vec<f32>,
}

impl DumpEvidence {
    fn new() -> DumpEvidence {
        DumpEvidence {
            creator: 0,
            creator_count: 0,
            wait_minutes: None,
            waited: 0,
            at: 0,
            aged: Vec::new(),
        }
    }
}

/// Most restarts remembered (for the timeline's marks).
pub const MAX_RESTARTS: usize = 64;

/// The run (between restarts) being read.
#[derive(Debug, Default)]
struct Run {
    since_index: u64,
    snapshots: u64,
    first_time: Option<Timestamp>,
    last_time: Option<Timestamp>,
    /// Snapshots per bucket.
    width: u64,
}

impl Run {
    fn seconds(&self) -> Option<f64> {
        Some(self.last_time?.seconds_since(&self.first_time?))
    }

    /// Why this run cannot be judged, if it cannot.
    fn too_short(&self) -> Option<String> {
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        if self.snapshots == 0 {
            return Some("no goroutine profiles to follow over time".to_string());
        }
        if self.snapshots < MIN_SNAPSHOTS {
            return Some(format!(
                "{} snapshot{} (need {MIN_SNAPSHOTS})",
                self.snapshots,
                plural(self.snapshots)
            ));
        }
        match self.seconds() {
            Some(s) if s < MIN_SECONDS => Some(format!(
                "{} snapshots over {s} s (need {MIN_SECONDS} s)",
                self.snapshots
            )),
            _ => None,
        }
    }
}

/// Follows every stack over the snapshots; see the module documentation.
///
/// The tracker names no stacks itself: each snapshot comes with its records'
/// keys (text ids in a [`StackNamer`] that folds as [`LeakTracker::namer`]
/// does, or ids of stack and label set), and the caller names the keys when
/// it asks for the suspects. [`LeakFinder`] is a tracker with names of its own.
pub struct LeakTracker {
    tracks: Vec<Track>,
    run: Run,
    kind: Option<Kind>,
    previous_total: Option<u64>,
    gap: bool,
    /// The last run's reason it could not be judged, if it could not; and
    /// whether any run was judged.
    judged: bool,
    /// Where runs after a restart began (snapshot indexes), at most [`MAX_RESTARTS`].
    restarts: Vec<u64>,
    sparklines: bool,
    counts: Vec<Option<u64>>,
    /// Dumps: the waited counts of this snapshot's keys (empty until a
    /// goroutine has waited a minute).
    waited: Vec<u64>,
    touched: Vec<u32>,
    leaked_touched: Vec<u32>,
    snapshots: u64,
}

impl LeakTracker {
    /// A tracker; with `sparklines`, each suspect carries its bucket means.
    pub fn new(sparklines: bool) -> LeakTracker {
        LeakTracker {
            tracks: Vec::new(),
            run: Run {
                width: 1,
                ..Run::default()
            },
            kind: None,
            previous_total: None,
            gap: false,
            judged: false,
            restarts: Vec::new(),
            sparklines,
            counts: Vec::new(),
            waited: Vec::new(),
            touched: Vec::new(),
            leaked_touched: Vec::new(),
            snapshots: 0,
        }
    }

    /// A namer that folds stacks as the tracker expects them named.
    pub fn namer() -> StackNamer {
        StackNamer::new(FrameStyle::Func, false)
    }

    /// True when a namer folding with `style` and `trim_runtime` names
    /// stacks as the tracker expects (see [`namer`](Self::namer)).
    pub fn shares_names(style: FrameStyle, trim_runtime: bool) -> bool {
        style == FrameStyle::Func && !trim_runtime
    }

    /// Takes one snapshot, `keys` being its records' keys. Snapshots of
    /// another kind than the first goroutine-like one's are ignored, except
    /// goroutineleak profiles, whose counts are the stacks' `leaked`.
    pub fn observe(&mut self, snap: &Snapshot, keys: &[u32], interner: &Interner) {
        if !snap.status.has_profile() {
            self.gap |= matches!(snap.status, Status::Missing | Status::Error);
            return;
        }
        if snap.kind == Kind::GoroutineLeak {
            self.proven(snap, keys, |_| true);
            return;
        }
        if self.kind.get_or_insert_with(|| snap.kind.clone()) != &snap.kind {
            return;
        }
        let total = snap.total.unwrap_or_else(|| snap.counted());
        if self.restarted(total) {
            self.end_run();
            if self.restarts.len() < MAX_RESTARTS {
                self.restarts.push(snap.index);
            }
            self.run = Run {
                since_index: snap.index,
                width: 1,
                ..Run::default()
            };
        }
        if self.run.snapshots == 0 {
            self.run.since_index = snap.index;
        }
        self.previous_total = Some(total);
        self.gap = false;
        if let Some(time) = snap.time {
            self.run.first_time.get_or_insert(time);
            self.run.last_time = Some(time);
        }
        // A dump marks goroutines the runtime proved leaked in their state.
        if snap.records.iter().any(|r| r.state != 0) {
            self.proven(snap, keys, |state| {
                state != 0 && interner.state_name(state).contains("(leaked)")
            });
        }
        let value = if snap.sample == Sample::Count {
            0
        } else {
            snap.sample.default_value()
        };
        let mut touched = std::mem::take(&mut self.touched);
        for (record, &key) in snap.records.iter().zip(keys) {
            if record.creator != 0 || record.wait_minutes.is_some() {
                self.evidence(key, record);
            }
            let key = key as usize;
            if key >= self.counts.len() {
                self.counts.resize(key + 1, None);
            }
            let count = self.counts[key].get_or_insert_with(|| {
                touched.push(key as u32);
                0
            });
            *count += record.values[value];
            if record.waited > 0 {
                if key >= self.waited.len() {
                    self.waited.resize(key + 1, 0);
                }
                self.waited[key] += u64::from(record.waited);
            }
        }
        let ordinal = self.run.snapshots;
        if ordinal / self.run.width >= BUCKETS as u64 {
            self.run.width *= 2;
        }
        self.run.snapshots += 1;
        self.snapshots += 1;
        // Stacks seen before but absent now fall to 0.
        for &key in &touched {
            let count = self.counts[key as usize].take().unwrap_or(0);
            let waited = self.waited.get_mut(key as usize).map_or(0, std::mem::take);
            self.touch(key, count, waited, ordinal);
        }
        touched.clear();
        self.touched = touched;
    }

    /// Notes a dump record's creator and wait as its stack's evidence at
    /// this snapshot, forgetting those of an earlier one.
    fn evidence(&mut self, key: u32, record: &crate::model::Record) {
        let slot = key as usize;
        if slot >= self.tracks.len() {
            self.tracks.resize_with(slot + 1, Track::default);
        }
        let now = self.snapshots + 1;
        let dump = self.tracks[slot]
            .dump
            .get_or_insert_with(|| Box::new(DumpEvidence::new()));
        if dump.at != now {
            dump.at = now;
            dump.creator = 0;
            dump.creator_count = 0;
            dump.wait_minutes = None;
            dump.waited = 0;
        }
        dump.waited += u64::from(record.waited);
        if record.creator != 0 && record.count > dump.creator_count {
            dump.creator = record.creator;
            dump.creator_count = record.count;
        }
        if let Some((_, most)) = record.wait_minutes {
            dump.wait_minutes = Some(dump.wait_minutes.map_or(most, |w| w.max(most)));
        }
    }

    /// Sets the leaked counts from `snap`'s records whose state `leaked`
    /// accepts (a dump's state names; every record of a goroutineleak
    /// profile), forgetting the previous ones.
    fn proven(&mut self, snap: &Snapshot, keys: &[u32], leaked: impl Fn(u32) -> bool) {
        for &key in &self.leaked_touched {
            self.tracks[key as usize].leaked = 0;
        }
        self.leaked_touched.clear();
        for (record, &key) in snap.records.iter().zip(keys) {
            if !leaked(record.state) {
                continue;
            }
            let slot = key as usize;
            if slot >= self.tracks.len() {
                self.tracks.resize_with(slot + 1, Track::default);
            }
            self.tracks[slot].leaked += record.count;
            self.leaked_touched.push(key);
        }
    }

    /// The snapshot indexes where a run began after a restart, oldest first
    /// (the first [`MAX_RESTARTS`]).
    pub fn restarts(&self) -> &[u64] {
        &self.restarts
    }

    /// Profile snapshots taken so far (those of the first kind seen).
    pub fn snapshots(&self) -> u64 {
        self.snapshots
    }

    /// How many points a suspect's sparkline has at most: the buckets of the
    /// last run.
    pub fn sparkline_points(&self) -> usize {
        self.run.snapshots.div_ceil(self.run.width) as usize
    }

    /// Why the last run cannot be judged, when it cannot and no run before
    /// it could: `2 snapshots (need 5)`.
    pub fn cannot_judge(&self) -> Option<String> {
        if self.judged {
            return None;
        }
        self.run.too_short()
    }

    /// The suspects, best first, after the last snapshot; `name` gives each
    /// key's stack text and a representative stack.
    pub fn suspects(mut self, name: impl Fn(u32) -> (String, StackId)) -> Vec<Suspect> {
        self.end_run();
        let mut suspects: Vec<Suspect> = Vec::new();
        for (key, track) in self.tracks.into_iter().enumerate() {
            let (creator, wait_minutes, waited) = track
                .dump
                .as_ref()
                .map_or((0, None, 0), |d| (d.creator, d.wait_minutes, d.waited));
            let suspect = match track.best {
                Some(best) => Suspect {
                    leaked: track.leaked,
                    creator,
                    wait_minutes,
                    waited,
                    ..*best
                },
                None if track.leaked > 0 => Suspect {
                    stack: String::new(),
                    stack_id: StackId::EMPTY,
                    first: 0,
                    last: 0,
                    peak: 0,
                    slope_per_minute: 0.0,
                    score: 0.0,
                    rises: 0,
                    falls: 0,
                    z: 0.0,
                    since_index: 0,
                    leaked: track.leaked,
                    creator,
                    wait_minutes,
                    waited,
                    evidence: Evidence::Leaked,
                    sparkline: Vec::new(),
                },
                None => continue,
            };
            let (stack, stack_id) = name(key as u32);
            if !is_profiler(&stack) {
                suspects.push(Suspect {
                    stack,
                    stack_id,
                    ..suspect
                });
            }
        }
        suspects.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| b.leaked.cmp(&a.leaked))
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

    fn touch(&mut self, key: u32, count: u64, waited: u64, ordinal: u64) {
        let slot = key as usize;
        if slot >= self.tracks.len() {
            self.tracks.resize_with(slot + 1, Track::default);
        }
        let width = self.run.width;
        let track = &mut self.tracks[slot];
        let previous = match track.seen {
            0 if ordinal == 0 => None,
            0 => Some(0),
            seen if u64::from(seen) == ordinal => Some(track.last_count),
            _ => {
                // Absent since its last appearance: it fell to 0.
                track.falls += u32::from(track.last_count > 0);
                track.give_back = track.give_back.max(track.peak);
                Some(0)
            }
        };
        match previous {
            None => track.first = count,
            Some(p) => {
                track.rises += u32::from(count > p);
                track.falls += u32::from(count < p);
            }
        }
        track.peak = track.peak.max(count);
        track.give_back = track.give_back.max(track.peak - count);
        track.last_count = count;
        track.seen = ordinal as u32 + 1;
        compact(track, width);
        let bucket = (ordinal / width) as usize;
        if track.sums.len() <= bucket {
            track.sums.resize(bucket + 1, 0.0);
        }
        track.sums[bucket] += count as f32;
        if waited > 0 {
            // A goroutine that waited had its record's evidence read.
            if let Some(dump) = &mut track.dump {
                if dump.aged.len() <= bucket {
                    dump.aged.resize(bucket + 1, 0.0);
                }
                dump.aged[bucket] += waited as f32;
            }
        }
    }

    /// Judges every stack on the run that ends, when it can be judged (its
    /// verdicts replace the earlier run's), and forgets the run. Stacks are
    /// named when the suspects are asked for.
    fn end_run(&mut self) {
        let run = std::mem::take(&mut self.run);
        let judgeable = run.too_short().is_none();
        self.judged |= judgeable;
        for track in &mut self.tracks {
            if judgeable {
                compact(track, run.width);
                track.best = (track.seen != 0)
                    .then(|| judge(track, &run, self.sparklines))
                    .flatten()
                    .map(Box::new);
            }
            let (best, leaked, mut dump) = (track.best.take(), track.leaked, track.dump.take());
            if let Some(dump) = &mut dump {
                dump.aged.clear();
            }
            *track = Track {
                best,
                leaked,
                dump,
                ..Track::default()
            };
        }
    }
}

/// Merges a track's buckets pairwise until they are `width` snapshots wide.
fn compact(track: &mut Track, width: u64) {
    track.width = track.width.max(1);
    while u64::from(track.width) < width {
        track.sums = merge_pairs(&track.sums, |a, b| a + b);
        if let Some(dump) = &mut track.dump {
            dump.aged = merge_pairs(&dump.aged, |a, b| a + b);
        }
        track.width *= 2;
    }
}

/// The suspect a track makes over `run`, if it is one (see the module
/// documentation); its stack is named by the caller.
fn judge(track: &Track, run: &Run, sparkline: bool) -> Option<Suspect> {
    let buckets = run.snapshots.div_ceil(run.width) as usize;
    let means = bucket_means(&track.sums, run, buckets);
    let present_to_end = u64::from(track.seen) == run.snapshots;
    let give_back = if present_to_end {
        track.give_back
    } else {
        track.peak
    };
    let counted = growth(&means, give_back as f64, run);
    let (rise, z, evidence) = match counted {
        Some((rise, z)) => (rise, z, Evidence::Growth),
        None => {
            let dump = track.dump.as_ref().filter(|d| !d.aged.is_empty())?;
            let aged = bucket_means(&dump.aged, run, buckets);
            let (rise, z) = growth(&aged, means_give_back(&aged), run)?;
            (rise, z, Evidence::Wait)
        }
    };
    let span = (run.snapshots - 1) as f64;
    let seconds = run.seconds().filter(|s| *s > 0.0).unwrap_or(span.max(1.0));
    let per_minute = |rise: f64| rise / seconds * 60.0;
    let slope_per_minute = if evidence == Evidence::Wait {
        per_minute(rise_over(&means, run))
    } else {
        per_minute(rise)
    };
    Some(Suspect {
        stack: String::new(),
        stack_id: StackId::EMPTY,
        first: track.first,
        last: if present_to_end { track.last_count } else { 0 },
        peak: track.peak,
        slope_per_minute,
        score: per_minute(rise),
        rises: u64::from(track.rises),
        falls: u64::from(track.falls),
        z,
        since_index: run.since_index,
        leaked: 0,
        creator: 0,
        wait_minutes: None,
        waited: 0,
        evidence,
        sparkline: if sparkline {
            means.iter().map(|m| m.round() as u64).collect()
        } else {
            Vec::new()
        },
    })
}

/// The mean per snapshot of each of the run's `buckets` buckets of `sums`
/// (the last one may hold fewer snapshots).
fn bucket_means(sums: &[f32], run: &Run, buckets: usize) -> Vec<f64> {
    let width = run.width as f64;
    let in_last = run.snapshots - (buckets as u64 - 1) * run.width;
    (0..buckets)
        .map(|b| {
            let sum = f64::from(sums.get(b).copied().unwrap_or(0.0));
            let points = if b + 1 == buckets {
                in_last as f64
            } else {
                width
            };
            sum / points
        })
        .collect()
}

/// Rules 1 to 4 of the module documentation on a series of bucket means
/// whose deepest fall below its running peak is `give_back`: its rise over
/// the run (the Theil–Sen slope times the run's length) and its
/// Mann–Kendall score, when it is a growth.
fn growth(means: &[f64], give_back: f64, run: &Run) -> Option<(f64, f64)> {
    let buckets = means.len();
    let (_, z) = mann_kendall(means);
    if z < MIN_Z {
        return None;
    }
    let tail = &means[buckets / 2..];
    let (tail_s, _) = mann_kendall(tail);
    if tail_s <= 0 || theil_sen(tail) <= 0.0 {
        return None;
    }
    let rise = rise_over(means, run);
    let mean = means.iter().sum::<f64>() / buckets as f64;
    if rise < MIN_GROWTH || rise < NOISE_SIGMAS * mean.sqrt() {
        return None;
    }
    if give_back > (MAX_GIVE_BACK * rise).max(GIVE_BACK_SIGMAS * mean.sqrt()) {
        return None;
    }
    Some((rise, z))
}

/// The Theil–Sen rise of bucket `means` over the whole run.
fn rise_over(means: &[f64], run: &Run) -> f64 {
    // Bucket centres are `width` snapshots apart (the last one less).
    let span = (run.snapshots - 1) as f64;
    theil_sen(means) / run.width as f64 * span
}

/// The deepest fall of `means` below their running peak.
fn means_give_back(means: &[f64]) -> f64 {
    let mut peak = f64::MIN;
    let mut deepest = 0.0f64;
    for &m in means {
        peak = peak.max(m);
        deepest = deepest.max(peak - m);
    }
    deepest
}

/// The goroutine that writes the profile is in every snapshot, and never a leak.
fn is_profiler(stack: &str) -> bool {
    stack.contains("net/http/pprof.") || stack.contains("runtime/pprof.write")
}

/// A [`LeakTracker`] with names of its own, for consumers that fold nothing
/// else (`pp-totals --leaks`). With `labels`, a stack under each label set
/// is a key of its own, named `key=value;...;stack` as pp-fold `--labels`
/// names it, so the one tenant or handler that leaks is named.
pub struct LeakFinder {
    names: StackNamer,
    tracker: LeakTracker,
    keys: Vec<u32>,
    labels: Option<LabelKeys>,
}

/// Keys of (stack text, label set).
#[derive(Default)]
struct LabelKeys {
    ids: std::collections::HashMap<(u32, String), u32>,
    of: Vec<(u32, String)>,
}

impl LeakFinder {
    /// A finder; with `labels`, per stack and label set; with
    /// `sparklines`, each suspect carries its bucket means.
    pub fn new(labels: bool, sparklines: bool) -> LeakFinder {
        LeakFinder {
            names: LeakTracker::namer(),
            tracker: LeakTracker::new(sparklines),
            keys: Vec::new(),
            labels: labels.then(LabelKeys::default),
        }
    }

    /// The tracker, for its counts so far.
    pub fn tracker(&self) -> &LeakTracker {
        &self.tracker
    }

    /// Takes one snapshot (see [`LeakTracker::observe`]).
    pub fn observe(&mut self, snap: &Snapshot, interner: &Interner) {
        self.keys.clear();
        if snap.status.has_profile() {
            for record in &snap.records {
                let text = self.names.id(record.stack, interner);
                let key = match &mut self.labels {
                    None => text,
                    Some(labels) => {
                        let set: Vec<String> = snap
                            .labels(record)
                            .into_iter()
                            .map(|(k, v)| format!("{k}={v}"))
                            .collect();
                        let set = set.join(";");
                        let next = labels.of.len() as u32;
                        *labels.ids.entry((text, set.clone())).or_insert_with(|| {
                            labels.of.push((text, set));
                            next
                        })
                    }
                };
                self.keys.push(key);
            }
        }
        self.tracker.observe(snap, &self.keys, interner);
    }

    /// Why the input cannot be judged, if it cannot (see [`LeakTracker::cannot_judge`]).
    pub fn cannot_judge(&self) -> Option<String> {
        self.tracker.cannot_judge()
    }

    /// The suspects, best first, after the last snapshot.
    pub fn suspects(self) -> Vec<Suspect> {
        self.suspects_and_names().0
    }

    /// The suspects, and the names their `stack_id`s were folded with.
    pub fn suspects_and_names(self) -> (Vec<Suspect>, StackNamer) {
        let names = self.names;
        let labels = self.labels;
        let suspects = self.tracker.suspects(|key| {
            let (text, set) = match &labels {
                None => (key, ""),
                Some(labels) => {
                    let (text, set) = &labels.of[key as usize];
                    (*text, set.as_str())
                }
            };
            let mut stack = String::new();
            if !set.is_empty() {
                stack.push_str(set);
                stack.push(';');
            }
            names.write_text(text, &mut stack);
            (stack, names.representative(text).0)
        });
        (suspects, names)
    }
}

#[cfg(test)]
mod tests;
