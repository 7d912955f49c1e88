//! The one keyed aggregation of a run: every record of every folded
//! snapshot counted per key, one snapshot at a time.
//!
//! A record's key is its folded stack (a [`StackNamer`] text id, computed
//! once per distinct stack), its state, labels and snapshot when those become
//! root frames ([`Roots`]), and its truncation. Keys are numbered in order of
//! first appearance. A snapshot's counts are first summed per key, then
//! merged into one [`StackStat`] per key, so `max`, `last`, `first` and the
//! peak see what one snapshot held. Every output reads the same keys:
//! pp-fold's lines, and pp-html's call tree, flame graph, top stacks and
//! suspects' places. Memory is bounded by distinct keys.

mod options;
mod window;

use std::collections::BTreeMap;

use super::namer::StackNamer;
use super::root::Roots;
use crate::assemble::Consumer;
use crate::error::Error;
use crate::input::timestamp::Timestamp;
use crate::model::{FastMap, Interner, Kind, Snapshot, StackId, Status};
pub use options::{Aggregate, AggregateOptions};
pub use window::{BLOCKS, default_window};
use window::{Blocks, mean};

/// The synthetic root of a stack cut at the runtime's depth limit.
pub const TRUNCATED: &str = "[truncated]";

/// Identifies one aggregated stack while counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    /// Snapshot root id, `u32::MAX` without `--per-snapshot`.
    snapshot: u32,
    state: u32,
    labels: u32,
    /// The stack's text id in the aggregation's [`StackNamer`].
    stack: u32,
    truncated: bool,
}

/// One key's counts over the snapshots it was folded from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackStat {
    /// Count in the first folded snapshot (0 when the stack was not in it).
    pub first: u64,
    /// Count in the latest snapshot that had the stack.
    pub last: u64,
    /// Ordinal (1-based, among folded snapshots) of that snapshot.
    pub last_seen: u64,
    /// The largest count in one snapshot.
    pub peak: u64,
    /// Index of the first snapshot with that count.
    pub peak_index: u64,
    /// Time of that snapshot.
    pub peak_time: Option<Timestamp>,
    /// The sum over all snapshots.
    pub sum: u64,
}

/// One aggregated stack with its frames, from [`Aggregation::stacks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedStack {
    /// Its pseudo-frames above the stack's root: an index into
    /// [`Stacks::roots`] (0: none).
    pub roots: u32,
    /// The stack; its frames are `interner.frames_of(stack)[trimmed..]`, leaf first.
    pub stack: StackId,
    /// Its text id in [`Aggregation::names`].
    pub text: u32,
    /// Leaf frames left out by `--trim-runtime`.
    pub trimmed: u32,
    /// The aggregated count.
    pub value: u64,
}

/// The aggregation's stacks ([`Aggregation::stacks`]), with their pseudo-frames
/// stored once per distinct set: 24 bytes a stack.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stacks {
    /// The stacks, in order of first appearance.
    pub stacks: Vec<FoldedStack>,
    /// The distinct sets of pseudo-frames above a stack's root, outermost
    /// first, as pp-fold writes them: the snapshot, the state, the labels
    /// (`key=value`), `[truncated]`. Set 0 is empty.
    pub roots: Vec<Vec<String>>,
}

impl Stacks {
    /// The pseudo-frames above `stack`'s root.
    pub fn roots_of(&self, stack: &FoldedStack) -> &[String] {
        &self.roots[stack.roots as usize]
    }
}

/// One row of a top stacks table, from [`Aggregation::top`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopStack {
    /// Its text id in [`Aggregation::names`].
    pub text: u32,
    /// A stack with these frames; show `interner.frames_of(stack)[trimmed..]`.
    pub stack: StackId,
    /// Leaf frames dropped by `--trim-runtime`.
    pub trimmed: usize,
    /// The goroutine state (`interner.state_name`), with `--state`; 0 for none.
    pub state: u32,
    /// The labels, with `--labels`.
    pub labels: Vec<(String, String)>,
    /// True when the runtime cut the stack at its depth limit.
    pub truncated: bool,
    /// The aggregated count (as in the call tree).
    pub value: u64,
    /// Count in the last snapshot (0 when the stack was gone by then).
    pub last: u64,
    /// The rest of its state.
    pub stat: StackStat,
}

/// One of pp-fold's lines, from [`Aggregation::lines`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    /// The key whose text the line has (the first, where keys of equal text merged).
    key: u32,
    /// The aggregated count.
    pub value: u64,
}

/// Folded lines: the text before the count, and the count.
pub type Folded = BTreeMap<String, u64>;

/// One snapshot's counts: `(key id, count)`.
type Counts = Vec<(u32, u64)>;

/// The consumer that aggregates snapshots; see the module documentation.
pub struct Aggregation {
    options: AggregateOptions,
    names: StackNamer,
    roots: Roots,
    /// Which of a record's values is counted (see `Sample::value_names`).
    value: usize,
    ids: FastMap<Key, u32>,
    keys: Vec<(Key, StackStat)>,
    /// Per key id: its count in the snapshot being added (`u64::MAX`: absent).
    current: Vec<u64>,
    touched: Vec<u32>,
    /// Per record of the last snapshot added: its stack's text id.
    record_texts: Vec<u32>,
    folded: u64,
    kind: Option<Kind>,
    /// With `--kind`: the other kinds seen, with how many profiles of each.
    others: Vec<(Kind, u64)>,
    /// For `--diff`: the complete snapshots' counts in blocks ([`window`]).
    blocks: Blocks,
    /// For `--diff` while no snapshot is complete: the first and the last
    /// partial snapshot's counts.
    first_partial: Option<Counts>,
    last_partial: Option<Counts>,
}

impl Aggregation {
    /// An aggregation that has seen nothing.
    pub fn new(options: AggregateOptions) -> Aggregation {
        Aggregation {
            names: StackNamer::new(options.style, options.trim_runtime),
            blocks: Blocks::new(options.window),
            options,
            roots: Roots::default(),
            value: 0,
            ids: FastMap::default(),
            keys: Vec::new(),
            current: Vec::new(),
            touched: Vec::new(),
            record_texts: Vec::new(),
            folded: 0,
            kind: None,
            others: Vec::new(),
            first_partial: None,
            last_partial: None,
        }
    }

    /// Number of snapshots folded.
    pub fn snapshots(&self) -> u64 {
        self.folded
    }

    /// Number of distinct keys (stacks, with their roots) seen.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True before any record was counted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The kind of the folded profiles, once one was folded.
    pub fn kind(&self) -> Option<&str> {
        self.kind.as_ref().map(Kind::as_str)
    }

    /// Fails when `--kind` named a kind the input does not hold although it
    /// holds profiles of other kinds, naming those: an empty answer would
    /// look like "no stacks" rather than a misspelt kind.
    pub fn check_kind(&self) -> Result<(), Error> {
        let Some(wanted) = &self.options.kind else {
            return Ok(());
        };
        if self.kind.is_some() || self.others.is_empty() {
            return Ok(());
        }
        let mut found: Vec<String> = self
            .others
            .iter()
            .map(|(kind, n)| format!("{kind} ({n})"))
            .collect();
        found.sort_unstable();
        Err(Error::input(
            "",
            format!(
                "no {wanted} profiles in the input; it holds {}",
                found.join(", ")
            ),
        ))
    }

    /// The index of the value counted, once a snapshot was folded.
    pub fn value_index(&self) -> usize {
        self.value
    }

    /// The options it aggregates with.
    pub fn options(&self) -> &AggregateOptions {
        &self.options
    }

    /// Frees what only adding snapshots needs (the key lookup and the
    /// per-snapshot scratch); reading the aggregation still works, adding
    /// to it does not (pp-html calls it before drawing the page).
    pub fn release_lookup(&mut self) {
        self.ids = FastMap::default();
        self.current = Vec::new();
        self.touched = Vec::new();
        self.record_texts = Vec::new();
    }

    /// The names of the stacks, to name more of them the same way (the
    /// goroutineleak profiles pp-html shows beside the goroutine ones).
    pub fn names_mut(&mut self) -> &mut StackNamer {
        &mut self.names
    }

    /// The names of the stacks, as the options fold them.
    pub fn names(&self) -> &StackNamer {
        &self.names
    }

    /// The text id of each record of the last snapshot folded, in record order.
    pub fn record_texts(&self) -> &[u32] {
        &self.record_texts
    }

    /// The folded lines, aggregated over all snapshots.
    pub fn folded(&self) -> Folded {
        let mut lines = Folded::new();
        for (key, stat) in &self.keys {
            let value = self.aggregated(stat);
            if value > 0 {
                *lines.entry(self.render(key)).or_default() += value;
            }
        }
        lines
    }

    /// The same aggregation as [`folded`](Self::folded), with frames instead
    /// of text, in order of first appearance: for consumers that show files
    /// and lines (pp-html). Stacks whose text is equal are not merged here.
    pub fn stacks(&self) -> Stacks {
        let mut stacks = Stacks {
            stacks: Vec::new(),
            roots: vec![Vec::new()],
        };
        let mut sets: FastMap<(u32, u32, u32, bool), u32> = FastMap::default();
        for (key, stat) in &self.keys {
            let value = self.aggregated(stat);
            if value == 0 {
                continue;
            }
            let set = (key.snapshot, key.state, key.labels, key.truncated);
            let roots = match sets.get(&set) {
                Some(&id) => id,
                None => {
                    let texts: Vec<String> = self.roots_of(key).map(String::from).collect();
                    let id = if texts.is_empty() {
                        0
                    } else {
                        stacks.roots.push(texts);
                        stacks.roots.len() as u32 - 1
                    };
                    sets.insert(set, id);
                    id
                }
            };
            let (stack, trimmed) = self.names.representative(key.stack);
            stacks.stacks.push(FoldedStack {
                roots,
                stack,
                text: key.stack,
                trimmed: trimmed as u32,
                value,
            });
        }
        stacks
    }

    /// The `n` heaviest keys by the aggregate, then by growth, then by first appearance.
    pub fn top(&self, n: usize) -> Vec<TopStack> {
        let mut order: Vec<(u64, i128, usize)> = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, (_, stat))| {
                let growth = i128::from(self.last_count(stat)) - i128::from(stat.first);
                (self.aggregated(stat), growth, i)
            })
            .filter(|&(value, _, _)| value > 0)
            .collect();
        order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        order
            .into_iter()
            .take(n)
            .map(|(value, _, i)| self.top_row(i, value))
            .collect()
    }

    fn top_row(&self, i: usize, value: u64) -> TopStack {
        let (key, stat) = &self.keys[i];
        let (stack, trimmed) = self.names.representative(key.stack);
        TopStack {
            text: key.stack,
            stack,
            trimmed,
            state: key.state,
            labels: self.roots.label_pairs(key.labels),
            truncated: key.truncated,
            value,
            last: self.last_count(stat),
            stat: *stat,
        }
    }

    /// Its count in the last folded snapshot.
    fn last_count(&self, stat: &StackStat) -> u64 {
        if stat.last_seen == self.folded {
            stat.last
        } else {
            0
        }
    }

    fn aggregated(&self, stat: &StackStat) -> u64 {
        match self.options.aggregate {
            Aggregate::Sum => stat.sum,
            Aggregate::Max => stat.peak,
            Aggregate::Last => self.last_count(stat),
            Aggregate::Mean => (stat.sum + self.folded / 2) / self.folded.max(1),
        }
    }

    /// The lines of `--diff` (which the options must ask for): each key's
    /// mean per snapshot over the first and over the last window of complete
    /// snapshots (the options' `window`, by default [`default_window`]), made
    /// of whole blocks as the `window` module says, keys of equal text
    /// added before the division. With no complete snapshot, the first and
    /// the last partial one. Also returns how many snapshots each window holds.
    pub fn windows(&self) -> (Folded, Folded, [u64; 2]) {
        let n = default_window(self.blocks.snapshots());
        let Some((first, last)) = self.blocks.windows(n) else {
            let render = |c: &Option<Counts>| {
                c.as_ref()
                    .map(|c| self.render_counts(c))
                    .unwrap_or_default()
            };
            let sizes = [u64::from(self.first_partial.is_some()); 2];
            return (
                render(&self.first_partial),
                render(&self.last_partial),
                sizes,
            );
        };
        let mut sums = [Folded::new(), Folded::new()];
        for (id, (key, _)) in self.keys.iter().enumerate() {
            let (before, after) = (
                self.blocks.sum(id as u32, &first),
                self.blocks.sum(id as u32, &last),
            );
            if before > 0 || after > 0 {
                let text = self.render(key);
                *sums[0].entry(text.clone()).or_default() += before;
                *sums[1].entry(text).or_default() += after;
            }
        }
        let [mut before, mut after] = sums;
        before
            .values_mut()
            .for_each(|v| *v = mean(*v, first.snapshots));
        after
            .values_mut()
            .for_each(|v| *v = mean(*v, last.snapshots));
        (before, after, [first.snapshots, last.snapshots])
    }

    fn render_counts(&self, counts: &Counts) -> Folded {
        let mut lines = Folded::new();
        for &(id, count) in counts {
            *lines
                .entry(self.render(&self.keys[id as usize].0))
                .or_default() += count;
        }
        lines
    }

    /// The folded text of `key`: roots first, then the stack root first.
    fn render(&self, key: &Key) -> String {
        let mut text = String::new();
        for root in self.roots_of(key) {
            text.push_str(root);
            text.push(';');
        }
        self.names.write_text(key.stack, &mut text);
        text
    }

    /// The pseudo-frames above a key's stack, outermost first.
    fn roots_of(&self, key: &Key) -> impl Iterator<Item = &str> + '_ {
        let snapshot = (key.snapshot != u32::MAX).then(|| self.roots.snapshot_text(key.snapshot));
        let state = (key.state != 0).then(|| self.roots.state_text(key.state));
        let labels = (key.labels != 0)
            .then(|| self.roots.label_text(key.labels).split(';'))
            .into_iter()
            .flatten();
        let truncated = key.truncated.then_some(TRUNCATED);
        snapshot
            .into_iter()
            .chain(state)
            .chain(labels)
            .chain(truncated)
    }

    /// pp-fold's lines, aggregated over all snapshots, in the bytewise order
    /// of their text, keys of equal text merged: what [`folded`](Self::folded)
    /// holds, with no text made. Write each with [`line_text`](Self::line_text).
    pub fn lines(&self) -> Vec<Line> {
        let mut lines: Vec<Line> = (0..self.keys.len() as u32)
            .filter_map(|key| {
                let value = self.aggregated(&self.keys[key as usize].1);
                (value > 0).then_some(Line { key, value })
            })
            .collect();
        lines.sort_unstable_by(|a, b| self.line_order(a.key, b.key));
        let mut merged: Vec<Line> = Vec::with_capacity(lines.len());
        for line in lines {
            match merged.last_mut() {
                Some(last) if self.line_order(last.key, line.key).is_eq() => {
                    last.value += line.value
                }
                _ => merged.push(line),
            }
        }
        merged
    }

    fn line_order(&self, a: u32, b: u32) -> std::cmp::Ordering {
        let (a, b) = (&self.keys[a as usize].0, &self.keys[b as usize].0);
        self.names
            .cmp((self.roots_of(a), a.stack), (self.roots_of(b), b.stack))
    }

    /// Appends the text of `line` (without its count) to `out`.
    pub fn line_text(&self, line: &Line, out: &mut String) {
        let key = &self.keys[line.key as usize].0;
        for root in self.roots_of(key) {
            out.push_str(root);
            out.push(';');
        }
        self.names.write_text(key.stack, out);
    }

    /// Checks that `snap` is of the kind being folded; false to skip it.
    fn wants_kind(&mut self, snap: &Snapshot) -> Result<bool, Error> {
        if self
            .options
            .kind
            .as_ref()
            .is_some_and(|kind| *kind != snap.kind)
        {
            match self.others.iter_mut().find(|(kind, _)| *kind == snap.kind) {
                Some((_, n)) => *n += 1,
                None => self.others.push((snap.kind.clone(), 1)),
            }
            return Ok(false);
        }
        if snap.kind == Kind::GoroutineLeak && self.kind == Some(Kind::Goroutine) {
            // A gathering loop that takes both each tick: the goroutines
            // proven leaked are among the goroutine profile's already.
            return Ok(false);
        }
        match &self.kind {
            None => {
                self.value = value_index(snap, self.options.value.as_deref())?;
                self.kind = Some(snap.kind.clone());
                Ok(true)
            }
            Some(kind) if *kind == snap.kind => Ok(true),
            Some(kind) => Err(mixed_kinds(kind, snap)),
        }
    }

    /// Folds `snap` if it has a profile of the kind being folded; true when it did.
    pub fn add(&mut self, snap: &Snapshot, interner: &Interner) -> Result<bool, Error> {
        self.record_texts.clear();
        if !snap.status.has_profile() || !self.wants_kind(snap)? {
            return Ok(false);
        }
        self.folded += 1;
        let snapshot = if self.options.per_snapshot {
            self.roots.snapshot_id(snap)
        } else {
            u32::MAX
        };
        for record in &snap.records {
            let stack = self.names.id(record.stack, interner);
            self.record_texts.push(stack);
            let key = Key {
                snapshot,
                state: match self.options.state {
                    true => self.roots.state_id(record.state, interner),
                    false => 0,
                },
                labels: match self.options.labels {
                    true => self.roots.label_id(snap.labels_text(record)),
                    false => 0,
                },
                stack,
                truncated: record.truncated,
            };
            self.count(key, record.values[self.value]);
        }
        self.merge_current(snap);
        Ok(true)
    }

    /// Adds `value` to `key`'s count in the snapshot being added.
    fn count(&mut self, key: Key, value: u64) {
        let next = self.keys.len() as u32;
        let id = *self.ids.entry(key).or_insert(next);
        if id == next {
            self.keys.push((key, StackStat::default()));
            self.current.push(u64::MAX);
        }
        let slot = &mut self.current[id as usize];
        if *slot == u64::MAX {
            *slot = 0;
            self.touched.push(id);
        }
        *slot += value;
    }

    /// Merges the snapshot's counts into each key's [`StackStat`].
    fn merge_current(&mut self, snap: &Snapshot) {
        let complete = self.options.diff && snap.status == Status::Complete;
        let partial = self.options.diff && !complete && self.blocks.snapshots() == 0;
        if complete {
            self.blocks.begin();
        }
        let mut counts = Counts::new();
        for &id in &self.touched {
            let count = std::mem::replace(&mut self.current[id as usize], u64::MAX);
            let stat = &mut self.keys[id as usize].1;
            if self.folded == 1 {
                stat.first = count;
            }
            stat.last = count;
            stat.last_seen = self.folded;
            stat.sum += count;
            if count > stat.peak {
                stat.peak = count;
                stat.peak_index = snap.index;
                stat.peak_time = snap.time;
            }
            if complete {
                self.blocks.add(id, count);
            } else if partial {
                counts.push((id, count));
            }
        }
        self.touched.clear();
        if partial {
            if self.first_partial.is_none() {
                self.first_partial = Some(counts.clone());
            }
            self.last_partial = Some(counts);
        } else if complete {
            // Complete snapshots decide from now on.
            self.first_partial = None;
            self.last_partial = None;
        }
    }
}

/// The error for a snapshot of another kind than the profiles before it:
/// their counts cannot be added together.
pub fn mixed_kinds(kind: &Kind, snap: &Snapshot) -> Error {
    Error::input(
        format!("snapshot {}", snap.index),
        format!(
            "the input holds {kind} and {} profiles, which cannot be added together: choose one with --kind",
            snap.kind
        ),
    )
}

/// The index of `--value NAME` (`value`) among the values of `snap`'s
/// kind, or pprof's default without one; a usage error naming the values
/// there are when it has none of that name.
pub fn value_index(snap: &Snapshot, value: Option<&str>) -> Result<usize, Error> {
    let Some(name) = value else {
        return Ok(snap.sample.default_value());
    };
    snap.value_index(name).ok_or_else(|| {
        let names = snap.value_names().join(", ");
        Error::Usage(format!(
            "--value {name}: {} profiles have these values: {names}",
            snap.kind
        ))
    })
}

impl Consumer for Aggregation {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        self.add(snap, interner).map(drop)
    }
}

#[cfg(test)]
mod tests;
