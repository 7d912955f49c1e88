//! Unit tests of the aggregate module.

use super::*;
use crate::analysis::FrameStyle;
use crate::model::{FrameRef, Record};

fn snapshot(index: u64, records: &[(u64, StackId)]) -> Snapshot {
    let mut snap = Snapshot::default();
    snap.index = index;
    snap.kind = Kind::Goroutine;
    snap.status = Status::Complete;
    for &(count, stack) in records {
        snap.push_record(Record::new(count, stack), b"");
    }
    snap
}

fn aggregate(
    options: AggregateOptions,
    snaps: &[&[(u64, StackId)]],
    interner: &Interner,
) -> Aggregation {
    let mut aggregation = Aggregation::new(options);
    for (index, records) in snaps.iter().enumerate() {
        assert!(
            aggregation
                .add(&snapshot(index as u64, records), interner)
                .unwrap()
        );
    }
    aggregation
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
    let [leak, steady, steady2, gone] = [leak, steady, steady2, gone].map(|f| interner.stack(&[f]));
    let snaps: [&[(u64, StackId)]; 3] = [
        &[(1, leak), (3, steady), (2, gone)],
        &[(5, leak), (2, steady), (1, steady2)],
        &[(9, leak), (3, steady)],
    ];
    let with = |aggregate| AggregateOptions {
        aggregate,
        ..AggregateOptions::default()
    };
    let sum = aggregate(with(Aggregate::Sum), &snaps, &interner);
    assert_eq!(
        sum.len(),
        3,
        "steady at two lines is one stack without --lines"
    );
    let rows: Vec<(u64, u64, u64, u64, u64)> = sum
        .top(10)
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
    let values = |aggregate| -> Vec<u64> {
        let a = self::aggregate(with(aggregate), &snaps, &interner);
        a.top(10).iter().map(|t| t.value).collect()
    };
    assert_eq!(values(Aggregate::Last), [9, 3]);
    assert_eq!(values(Aggregate::Mean), [5, 3, 1]);
    assert_eq!(values(Aggregate::Max), [9, 3, 2]);
    let folded = sum.folded();
    assert_eq!(folded["main.leak"], 15);
    assert_eq!(folded["main.steady"], 9);
    let lines = AggregateOptions {
        style: FrameStyle::FuncFileLine,
        ..AggregateOptions::default()
    };
    let lines = aggregate(lines, &snaps, &interner);
    assert_eq!(lines.len(), 4, "with --lines the two lines are two stacks");
}

/// Keys are one row exactly when pp-fold writes them as one line.
#[test]
fn keys_are_pp_fold_lines() {
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
        let options = AggregateOptions {
            trim_runtime: trim,
            ..AggregateOptions::default()
        };
        let aggregation = aggregate(options, &[&records], &interner);
        assert_eq!(aggregation.len(), rows, "--trim-runtime {trim}");
        assert_eq!(aggregation.folded().len(), rows, "--trim-runtime {trim}");
    }
}
