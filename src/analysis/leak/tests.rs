//! Unit tests of the leak module.

use super::*;
use crate::model::{FrameRef, Record, StackId};

/// Feeds snapshots whose stacks are one function each: `(status, [(func, count)])`.
fn suspects(snapshots: &[(Status, &[(&str, u64)])]) -> Vec<(String, u64)> {
    let mut interner = Interner::new();
    let mut tracker = LeakFinder::new(8);
    for (index, (status, counts)) in snapshots.iter().enumerate() {
        let mut snap = Snapshot::default();
        snap.index = index as u64;
        snap.kind = Kind::Goroutine;
        snap.status = *status;
        for (func, count) in counts.iter() {
            let frame = interner.frame(FrameRef {
                func: func.as_bytes(),
                file: b"",
                line: 0,
            });
            let stack: StackId = interner.stack(&[frame]);
            snap.push_record(Record::new(*count, stack), b"");
        }
        snap.total = status.has_profile().then(|| snap.counted());
        tracker.observe(&snap, &interner);
    }
    tracker
        .suspects()
        .into_iter()
        .map(|s| (s.stack, s.since_index))
        .collect()
}

const C: Status = Status::Complete;

#[test]
fn growth_beats_oscillation_and_constants_are_not_suspects() {
    let series: Vec<(Status, Vec<(&str, u64)>)> = [
        (1, 1, 5, 1, 0),
        (3, 3, 5, 0, 1),
        (5, 2, 5, 1, 0),
        (7, 4, 5, 0, 1),
        (9, 5, 5, 1, 0),
        (11, 6, 5, 0, 1),
    ]
    .into_iter()
    .map(|(a, b, c, d, e)| {
        let counts = vec![
            ("leak", a),
            ("wobbly", b),
            ("steady", c),
            ("flicker", d),
            ("runtime/pprof.writeGoroutine", a + e),
        ];
        (C, counts)
    })
    .collect();
    let input: Vec<(Status, &[(&str, u64)])> =
        series.iter().map(|(s, c)| (*s, c.as_slice())).collect();
    // wobbly rises by 5 where its own noise (3 * sqrt(3.5)) is 5.6: no suspect.
    assert_eq!(suspects(&input), [("leak".to_string(), 0)]);
}

#[test]
fn a_restart_starts_a_new_run() {
    let run = |counts: &'static [u64]| {
        counts
            .iter()
            .map(|&c| (C, vec![("quote", c), ("base", 50)]))
            .collect::<Vec<_>>()
    };
    // Leaks before the restart, steady after: the current run decides.
    let mut series = run(&[10, 20, 30, 40, 50]);
    series.push((Status::Missing, vec![]));
    series.extend(run(&[1, 1, 1, 1, 1]));
    let input: Vec<(Status, &[(&str, u64)])> =
        series.iter().map(|(s, c)| (*s, c.as_slice())).collect();
    assert_eq!(suspects(&input), []);
    // ...unless it is too short to judge: then the run before it does.
    let mut series = run(&[10, 20, 30, 40, 50]);
    series.push((Status::Missing, vec![]));
    series.extend(run(&[1, 1, 1]));
    let input: Vec<(Status, &[(&str, u64)])> =
        series.iter().map(|(s, c)| (*s, c.as_slice())).collect();
    assert_eq!(suspects(&input), [("quote".to_string(), 0)]);
    // Steady before, leaks after: found in its second run, which begins at index 5.
    let mut series = run(&[30, 30, 30, 30]);
    series.push((Status::Missing, vec![]));
    series.extend(run(&[1, 5, 9, 13, 17]));
    let input: Vec<(Status, &[(&str, u64)])> =
        series.iter().map(|(s, c)| (*s, c.as_slice())).collect();
    assert_eq!(suspects(&input), [("quote".to_string(), 5)]);
}

#[test]
fn sparklines_stay_bounded() {
    let mut interner = Interner::new();
    let mut tracker = LeakFinder::new(8);
    let frame = interner.frame(FrameRef {
        func: b"leak",
        file: b"",
        line: 0,
    });
    let stack = interner.stack(&[frame]);
    for index in 0..100u64 {
        let mut snap = Snapshot::default();
        snap.index = index;
        snap.kind = Kind::Goroutine;
        snap.status = C;
        snap.push_record(Record::new(index + 1, stack), b"");
        snap.total = Some(index + 1);
        tracker.observe(&snap, &interner);
    }
    assert_eq!(tracker.tracker().snapshots(), 100);
    let tracker_points = tracker.tracker().sparkline_points();
    let suspects = tracker.suspects();
    let line = &suspects[0].sparkline;
    assert!(line.len() <= 8 && line.len() >= 4, "{line:?}");
    assert!(line.windows(2).all(|w| w[0] < w[1]), "{line:?}");
    assert_eq!(*line.last().unwrap(), 100);
    assert_eq!(tracker_points, line.len(), "the stack is there to the end");
}
