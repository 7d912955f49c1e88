//! Folding snapshots into per-stack counts, one snapshot at a time.
//!
//! Each record maps to a [`Key`]: its folded stack (computed once per
//! distinct stack and cached by stack id), its labels and snapshot when those
//! become root frames, and its truncation. A snapshot's counts are first
//! summed per key, then merged into one accumulator per key, so `max` and
//! `last` see what one snapshot held. Memory is bounded by distinct keys.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::name::{FrameStyle, StackNamer, push_safe};
use crate::assemble::Consumer;
use crate::error::Error;
use crate::model::{FastMap, Interner, Kind, Snapshot, StackId, Status, parse_labels};

/// How a stack's counts over the snapshots become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// The sum over all snapshots (with a 1 s loop: goroutine-seconds).
    #[default]
    Sum,
    /// The largest count in any one snapshot.
    Max,
    /// The count in the last snapshot.
    Last,
    /// The sum divided by the number of snapshots, rounded to the nearest integer (halves up).
    Mean,
}

impl FromStr for Aggregate {
    type Err = String;

    fn from_str(text: &str) -> Result<Aggregate, String> {
        match text {
            "sum" => Ok(Aggregate::Sum),
            "max" => Ok(Aggregate::Max),
            "last" => Ok(Aggregate::Last),
            "mean" => Ok(Aggregate::Mean),
            _ => Err(format!(
                "{text:?} is not an aggregate: use sum, max, last or mean"
            )),
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Aggregate::Sum => "sum",
            Aggregate::Max => "max",
            Aggregate::Last => "last",
            Aggregate::Mean => "mean",
        })
    }
}

/// What the folder puts in each line.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FoldOptions {
    /// How counts over snapshots combine. Default is [`Aggregate::Sum`].
    pub aggregate: Aggregate,
    /// How frames are written. Default is the function alone.
    pub style: FrameStyle,
    /// Labels as root frames (`key=value`). Default is `false`.
    pub labels: bool,
    /// The snapshot's time (or `snapshot#N`) as the root frame. Default is `false`.
    pub per_snapshot: bool,
    /// debug=2 dumps: the goroutines' state as a root frame (`[chan receive]`). Default is `false`.
    pub state: bool,
    /// Drop parked runtime frames at the leaf. Default is `false`.
    pub trim_runtime: bool,
    /// Fold only this kind of profile; `None` folds the one kind the input has.
    pub kind: Option<Kind>,
    /// The value to fold; `None` is pprof's default for the kind.
    pub value: Option<String>,
    /// Keep the first and last snapshot's counts for `--diff`. Default is `false`.
    pub diff: bool,
}

/// The synthetic root of a stack cut at the runtime's depth limit.
pub const TRUNCATED: &str = "[truncated]";

/// Identifies one folded line while counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    snapshot: u32,
    state: u32,
    labels: u32,
    stack: u32,
    truncated: bool,
}

/// A key's counts over the snapshots.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    sum: u64,
    max: u64,
    last: u64,
    last_seen: u64,
}

/// One aggregated stack with its frames, from [`Folder::stacks`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoldedStack {
    /// Pseudo-frames above the stack's root, outermost first, as pp-fold writes
    /// them: the snapshot, the labels (`key=value`), `[truncated]`.
    pub roots: Vec<String>,
    /// The stack; its frames are `interner.frames_of(stack)[trimmed..]`, leaf first.
    pub stack: StackId,
    /// Leaf frames left out by `--trim-runtime`.
    pub trimmed: usize,
    /// The aggregated count.
    pub value: u64,
}

/// Folded lines: the text before the count, and the count.
pub type Folded = BTreeMap<String, u64>;

/// Counts per key of one snapshot.
type Counts = FastMap<Key, u64>;

/// The consumer that folds snapshots; see the module documentation.
pub struct Folder {
    options: FoldOptions,
    /// Stack id → folded stack id + 1; 0 = not folded yet.
    stacks: StackNamer,
    /// Label text → id; id 0 is "no labels". `label_texts[id]` is its folded form.
    label_ids: FastMap<Vec<u8>, u32>,
    label_texts: Vec<String>,
    snapshot_roots: Vec<String>,
    /// Interned state id → its root frame (`[chan receive]`).
    state_roots: FastMap<u32, String>,
    /// Which of a record's values is folded (see `Sample::value_names`).
    value: usize,
    current: Counts,
    totals: FastMap<Key, Acc>,
    folded: u64,
    kind: Option<Kind>,
    /// First and last snapshot counts, for `--diff`: [complete, any].
    first: [Option<Counts>; 2],
    last: [Option<Counts>; 2],
}

impl Folder {
    /// A folder that has seen nothing.
    pub fn new(options: FoldOptions) -> Folder {
        Folder {
            stacks: StackNamer::new(options.style, options.trim_runtime),
            options,
            label_ids: FastMap::default(),
            label_texts: vec![String::new()],
            snapshot_roots: Vec::new(),
            state_roots: FastMap::default(),
            value: 0,
            current: FastMap::default(),
            totals: FastMap::default(),
            folded: 0,
            kind: None,
            first: [None, None],
            last: [None, None],
        }
    }

    /// Number of snapshots folded.
    pub fn snapshots(&self) -> u64 {
        self.folded
    }

    /// The folded lines, aggregated over all snapshots.
    pub fn folded(&self) -> Folded {
        let mut lines = Folded::new();
        for (key, acc) in &self.totals {
            let value = self.aggregated(acc);
            if value > 0 {
                *lines.entry(self.render(key)).or_default() += value;
            }
        }
        lines
    }

    /// The same aggregation as [`folded`](Self::folded), with frames instead
    /// of text: for consumers that show files and lines (pp-html). Stacks
    /// whose text is equal are not merged here; the order is unspecified.
    pub fn stacks(&self) -> Vec<FoldedStack> {
        let mut stacks = Vec::new();
        for (key, acc) in &self.totals {
            let value = self.aggregated(acc);
            if value == 0 {
                continue;
            }
            let roots = self.roots(key).into_iter().map(String::from).collect();
            let (stack, trimmed) = self.stacks.representative(key.stack);
            stacks.push(FoldedStack {
                roots,
                stack,
                trimmed,
                value,
            });
        }
        stacks
    }

    fn aggregated(&self, acc: &Acc) -> u64 {
        match self.options.aggregate {
            Aggregate::Sum => acc.sum,
            Aggregate::Max => acc.max,
            Aggregate::Last if acc.last_seen == self.folded => acc.last,
            Aggregate::Last => 0,
            Aggregate::Mean => (acc.sum + self.folded / 2) / self.folded.max(1),
        }
    }

    /// The first and the last snapshot's lines, for `--diff`: complete
    /// snapshots when there are any, else partial ones.
    pub fn first_and_last(&self) -> (Folded, Folded) {
        let pick = |pair: &[Option<Counts>; 2]| {
            pair[0]
                .as_ref()
                .or(pair[1].as_ref())
                .map(|c| self.render_counts(c))
        };
        (
            pick(&self.first).unwrap_or_default(),
            pick(&self.last).unwrap_or_default(),
        )
    }

    fn render_counts(&self, counts: &Counts) -> Folded {
        let mut lines = Folded::new();
        for (key, &count) in counts {
            *lines.entry(self.render(key)).or_default() += count;
        }
        lines
    }

    /// The folded text of `key`: roots first, then the stack root first.
    fn render(&self, key: &Key) -> String {
        let mut text = String::new();
        for root in self.roots(key) {
            text.push_str(root);
            text.push(';');
        }
        text.push_str(self.stacks.text(key.stack));
        text
    }

    /// The pseudo-frames above a key's stack, outermost first.
    fn roots(&self, key: &Key) -> Vec<&str> {
        let mut roots = Vec::new();
        if key.snapshot != u32::MAX {
            roots.push(self.snapshot_roots[key.snapshot as usize].as_str());
        }
        if key.state != 0 {
            roots.push(self.state_roots[&key.state].as_str());
        }
        if key.labels != 0 {
            roots.extend(self.label_texts[key.labels as usize].split(';'));
        }
        if key.truncated {
            roots.push(TRUNCATED);
        }
        roots
    }

    fn state_key(&mut self, state: u32, interner: &Interner) -> u32 {
        if !self.options.state || state == 0 {
            return 0;
        }
        self.state_roots.entry(state).or_insert_with(|| {
            let mut root = String::from("[");
            push_safe(interner.state_name(state), &mut root);
            root.push(']');
            root
        });
        state
    }

    fn labels_key(&mut self, text: &[u8]) -> u32 {
        if !self.options.labels || text.is_empty() {
            return 0;
        }
        if let Some(&id) = self.label_ids.get(text) {
            return id;
        }
        let mut folded = String::new();
        for (i, (key, value)) in parse_labels(text).iter().enumerate() {
            if i > 0 {
                folded.push(';');
            }
            push_safe(&format!("{key}={value}"), &mut folded);
        }
        let id = if folded.is_empty() {
            0
        } else {
            self.label_texts.len() as u32
        };
        if id != 0 {
            self.label_texts.push(folded);
        }
        self.label_ids.insert(text.to_vec(), id);
        id
    }

    /// Checks that `snap` is of the kind being folded; false to skip it.
    fn wants_kind(&mut self, snap: &Snapshot) -> Result<bool, Error> {
        if self
            .options
            .kind
            .as_ref()
            .is_some_and(|kind| *kind != snap.kind)
        {
            return Ok(false);
        }
        match &self.kind {
            None => {
                self.value = value_index(snap, self.options.value.as_deref())?;
                self.kind = Some(snap.kind.clone());
                Ok(true)
            }
            Some(kind) if *kind == snap.kind => Ok(true),
            Some(kind) => Err(Error::input(
                format!("snapshot {}", snap.index),
                format!(
                    "the input holds {kind} and {} profiles, which cannot be added together: choose one with --kind",
                    snap.kind
                ),
            )),
        }
    }

    fn snapshot_root(&mut self, snap: &Snapshot) -> u32 {
        if !self.options.per_snapshot {
            return u32::MAX;
        }
        let mut root = String::new();
        match snap.time {
            Some(time) => push_safe(&time.to_string(), &mut root),
            None => root.push_str(&format!("snapshot#{}", snap.index)),
        }
        self.snapshot_roots.push(root);
        self.snapshot_roots.len() as u32 - 1
    }
}

/// The index of `--value NAME` among the values of `snap`'s kind, or pprof's default.
fn value_index(snap: &Snapshot, value: Option<&str>) -> Result<usize, Error> {
    let Some(name) = value else {
        return Ok(snap.sample.default_value());
    };
    snap.sample
        .value_index(snap.kind.as_str(), name)
        .ok_or_else(|| {
            let names = snap.sample.value_names(snap.kind.as_str()).join(", ");
            Error::Usage(format!(
                "--value {name}: {} profiles have these values: {names}",
                snap.kind
            ))
        })
}

impl Consumer for Folder {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        if !snap.status.has_profile() || !self.wants_kind(snap)? {
            return Ok(());
        }
        self.folded += 1;
        let snapshot = self.snapshot_root(snap);
        let mut current = std::mem::take(&mut self.current);
        current.clear();
        for record in &snap.records {
            let key = Key {
                snapshot,
                state: self.state_key(record.state, interner),
                labels: self.labels_key(snap.labels_text(record)),
                stack: self.stacks.id(record.stack, interner),
                truncated: record.truncated,
            };
            *current.entry(key).or_default() += record.values[self.value];
        }
        for (key, &count) in &current {
            let acc = self.totals.entry(*key).or_default();
            acc.sum += count;
            acc.max = acc.max.max(count);
            acc.last = count;
            acc.last_seen = self.folded;
        }
        let which = if self.options.diff {
            usize::from(snap.status != Status::Complete)
        } else {
            2
        };
        for slot in which..2 {
            if self.first[slot].is_none() {
                self.first[slot] = Some(current.clone());
            }
            self.last[slot] = Some(current.clone());
        }
        self.current = current;
        Ok(())
    }
}
