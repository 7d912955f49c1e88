//! Per-stack state over the snapshots, for the top stacks table: each stack's
//! count in the first and the last snapshot, its peak and when, and its sum.
//!
//! Stacks are told apart exactly as pp-fold tells its lines apart: by their
//! folded text ([`StackNamer`], with the same frame style and
//! `--trim-runtime`), plus the state with `--state`, the labels with
//! `--labels` and the truncation mark. One small [`StackStat`] per such stack, none per snapshot: memory
//! grows with distinct stacks, never with the log.

use crate::input::timestamp::Timestamp;
use crate::model::{FastMap, Interner, Snapshot, StackId, parse_labels};
use crate::output::fold::{Aggregate, FoldOptions, StackNamer};

/// One stack's counts over the snapshots it was folded from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StackStat {
    /// Count in the first snapshot (0 when the stack was not in it).
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

/// One row of the top stacks table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopStack {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    stack: u32,
    state: u32,
    labels: u32,
    truncated: bool,
}

/// What pp-fold puts above a record's stack: its state, labels and truncation.
#[derive(Debug, Clone, Copy, Default)]
struct Roots<'a> {
    state: u32,
    labels: &'a [u8],
    truncated: bool,
}

/// The per-stack state of every distinct stack; see the module documentation.
pub struct StackTable {
    labels: bool,
    state: bool,
    /// Folds stacks as pp-fold's folder does; its ids are the stacks of [`Key`].
    names: StackNamer,
    /// Label text → id; 0 is "no labels".
    label_ids: FastMap<Box<[u8]>, u32>,
    label_texts: Vec<Box<[u8]>>,
    keys: FastMap<Key, u32>,
    stats: Vec<(Key, StackStat)>,
    /// Stack id → count in the snapshot being added.
    current: FastMap<u32, u64>,
    snapshots: u64,
}

impl StackTable {
    /// An empty table telling stacks apart as pp-fold does with `options`.
    pub fn new(options: &FoldOptions) -> StackTable {
        StackTable {
            labels: options.labels,
            state: options.state,
            names: StackNamer::new(options.style, options.trim_runtime),
            label_ids: FastMap::default(),
            label_texts: vec![Box::default()],
            keys: FastMap::default(),
            stats: Vec::new(),
            current: FastMap::default(),
            snapshots: 0,
        }
    }

    /// Adds one folded snapshot, counting value `value` of its records.
    pub fn add(&mut self, snap: &Snapshot, value: usize, interner: &Interner) {
        let records = snap.records.iter().map(|r| {
            let roots = Roots {
                state: r.state,
                labels: snap.labels_text(r),
                truncated: r.truncated,
            };
            (r.values[value], r.stack, roots)
        });
        self.add_records(snap.index, snap.time, records, interner);
    }

    /// Adds one snapshot's records: `(count, stack, roots)`.
    fn add_records<'a>(
        &mut self,
        index: u64,
        time: Option<Timestamp>,
        records: impl Iterator<Item = (u64, StackId, Roots<'a>)>,
        interner: &Interner,
    ) {
        self.snapshots += 1;
        let mut current = std::mem::take(&mut self.current);
        current.clear();
        for (count, stack, roots) in records {
            let key = Key {
                stack: self.names.id(stack, interner),
                state: if self.state { roots.state } else { 0 },
                labels: self.labels_key(roots.labels),
                truncated: roots.truncated,
            };
            // Ids in input order: the order of the top stacks' ties.
            let next = self.stats.len() as u32;
            let id = *self.keys.entry(key).or_insert(next);
            if id == next {
                self.stats.push((key, StackStat::default()));
            }
            *current.entry(id).or_default() += count;
        }
        for (&id, &count) in &current {
            let stat = &mut self.stats[id as usize].1;
            if self.snapshots == 1 {
                stat.first = count;
            }
            stat.last = count;
            stat.last_seen = self.snapshots;
            stat.sum += count;
            if count > stat.peak {
                stat.peak = count;
                stat.peak_index = index;
                stat.peak_time = time;
            }
        }
        self.current = current;
    }

    /// Number of distinct stacks seen.
    pub fn len(&self) -> usize {
        self.stats.len()
    }

    /// The `n` heaviest stacks by `aggregate`, then by growth, then by first appearance.
    pub fn top(&self, n: usize, aggregate: Aggregate) -> Vec<TopStack> {
        let mut order: Vec<(u64, i128, usize)> = self
            .stats
            .iter()
            .enumerate()
            .map(|(i, (_, stat))| {
                let last = self.last_count(stat);
                let growth = i128::from(last) - i128::from(stat.first);
                (self.aggregated(stat, aggregate), growth, i)
            })
            .filter(|&(value, _, _)| value > 0)
            .collect();
        order.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        order
            .into_iter()
            .take(n)
            .map(|(value, _, i)| self.row(i, value))
            .collect()
    }

    fn row(&self, i: usize, value: u64) -> TopStack {
        let (key, stat) = &self.stats[i];
        let (stack, trimmed) = self.names.representative(key.stack);
        TopStack {
            stack,
            trimmed,
            state: key.state,
            labels: parse_labels(&self.label_texts[key.labels as usize]),
            truncated: key.truncated,
            value,
            last: self.last_count(stat),
            stat: *stat,
        }
    }

    fn last_count(&self, stat: &StackStat) -> u64 {
        if stat.last_seen == self.snapshots {
            stat.last
        } else {
            0
        }
    }

    /// The count pp-fold would write for this stack.
    fn aggregated(&self, stat: &StackStat, aggregate: Aggregate) -> u64 {
        match aggregate {
            Aggregate::Sum => stat.sum,
            Aggregate::Max => stat.peak,
            Aggregate::Last => self.last_count(stat),
            Aggregate::Mean => (stat.sum + self.snapshots / 2) / self.snapshots.max(1),
        }
    }

    fn labels_key(&mut self, text: &[u8]) -> u32 {
        if !self.labels || text.is_empty() {
            return 0;
        }
        if let Some(&id) = self.label_ids.get(text) {
            return id;
        }
        let id = self.label_texts.len() as u32;
        self.label_texts.push(text.into());
        self.label_ids.insert(text.into(), id);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrameRef;
    use crate::output::fold::FrameStyle;

    fn add(table: &mut StackTable, index: u64, records: &[(u64, StackId)], interner: &Interner) {
        let records = records
            .iter()
            .map(|&(n, stack)| (n, stack, Roots::default()));
        table.add_records(index, None, records, interner);
    }

    #[test]
    fn first_last_peak_and_aggregates() {
        let mut interner = Interner::new();
        let mut frame = |name: &str, line| {
            interner.frame(FrameRef {
                func: name.as_bytes(),
                file: b"a.go",
                line,
            })
        };
        let (leak, steady, steady2, gone) = (
            frame("main.leak", 1),
            frame("main.steady", 1),
            frame("main.steady", 2),
            frame("main.gone", 1),
        );
        let [leak, steady, steady2, gone] =
            [leak, steady, steady2, gone].map(|f| interner.stack(&[f]));
        let mut table = StackTable::new(&FoldOptions::default());
        let snaps: [&[(u64, StackId)]; 3] = [
            &[(1, leak), (3, steady), (2, gone)],
            &[(5, leak), (2, steady), (1, steady2)],
            &[(9, leak), (3, steady)],
        ];
        for (index, records) in snaps.iter().enumerate() {
            add(&mut table, index as u64, records, &interner);
        }
        assert_eq!(
            table.len(),
            3,
            "steady at two lines is one stack without --lines"
        );
        let top = table.top(10, Aggregate::Sum);
        let rows: Vec<(u64, u64, u64, u64, u64)> = top
            .iter()
            .map(|t| {
                (
                    t.value,
                    t.stat.first,
                    t.last,
                    t.stat.peak,
                    t.stat.peak_index,
                )
            })
            .collect();
        assert_eq!(rows, [(15, 1, 9, 9, 2), (9, 3, 3, 3, 0), (2, 2, 0, 2, 0)]);
        let last = table.top(10, Aggregate::Last);
        assert_eq!(last.iter().map(|t| t.value).collect::<Vec<_>>(), [9, 3]);
        assert_eq!(table.top(1, Aggregate::Mean)[0].value, 5);
        assert_eq!(table.top(10, Aggregate::Max)[1].value, 3);

        let mut lines = StackTable::new(&FoldOptions {
            style: FrameStyle::FuncFileLine,
            ..FoldOptions::default()
        });
        for (index, records) in snaps.iter().enumerate() {
            add(&mut lines, index as u64, records, &interner);
        }
        assert_eq!(lines.len(), 4, "with --lines the two lines are two stacks");
    }

    /// Stacks are one row exactly when pp-fold writes them as one line.
    #[test]
    fn rows_are_pp_fold_lines() {
        let mut interner = Interner::new();
        let mut frame = |name: &str| {
            interner.frame(FrameRef {
                func: name.as_bytes(),
                file: b"a.go",
                line: 1,
            })
        };
        let (main, wait, park, select, semi, under) = (
            frame("main.wait"),
            frame("main.wait.inner"),
            frame("runtime.gopark"),
            frame("runtime.selectgo"),
            frame("a;b"),
            frame("a_b"),
        );
        let stacks = [
            interner.stack(&[park, wait, main]),
            interner.stack(&[park, select, wait, main]),
            interner.stack(&[semi, main]),
            interner.stack(&[under, main]),
        ];
        let records: Vec<(u64, StackId)> = stacks.iter().map(|&s| (1, s)).collect();
        for (trim, rows) in [(false, 3), (true, 2)] {
            let mut table = StackTable::new(&FoldOptions {
                trim_runtime: trim,
                ..FoldOptions::default()
            });
            add(&mut table, 0, &records, &interner);
            assert_eq!(table.len(), rows, "--trim-runtime {trim}");
        }
    }
}
