//! Unit tests of the call tree.

use super::*;
use crate::analysis::{FoldedStack, FrameStyle};
use crate::model::FrameRef;

/// Every node counts its own stacks plus its children's.
fn check_sums(c: &Columns) {
    for i in (0..c.name.len()).filter(|&i| c.flags[i] != MORE) {
        let (first, count) = (c.first[i] as usize, c.count[i] as usize);
        let children: u64 = c.total[first..first + count].iter().sum();
        assert_eq!(c.total[i], c.own[i] + children, "node {i}");
        let sorted = c.total[first..first + count]
            .windows(2)
            .all(|w| w[0] >= w[1]);
        assert!(
            sorted || c.flags[first + count - 1] == MORE,
            "node {i}: order"
        );
    }
}

#[test]
fn builds_merges_and_prunes() {
    let mut interner = Interner::new();
    let mut frame = |name: &str, line| {
        interner.frame(FrameRef {
            func: name.as_bytes(),
            file: b"a.go",
            line,
        })
    };
    let (main, a9, a3, b, c) = (
        frame("main", 1),
        frame("a", 9),
        frame("a", 3),
        frame("b", 1),
        frame("c", 1),
    );
    let stack = |frames: &[FrameId], interner: &mut Interner| interner.stack(frames);
    let mut names = StackNamer::new(FrameStyle::Func, false);
    // Root set 1 is `handler=x`.
    let stacks = [
        (0, stack(&[a9, main], &mut interner), 5),
        (0, stack(&[b, a3, main], &mut interner), 2),
        (0, stack(&[c, main], &mut interner), 1),
        (1, stack(&[main], &mut interner), 4),
        (0, stack(&[], &mut interner), 1),
    ]
    .map(|(roots, stack, value)| FoldedStack {
        roots,
        stack,
        text: names.id(stack, &interner),
        trimmed: 0,
        value,
    });
    let stacks = Stacks {
        stacks: stacks.to_vec(),
        roots: vec![vec![], vec!["handler=x".to_string()]],
    };
    let tree = Tree::build(&stacks, &names, &interner);
    let c = tree.columns(100);
    assert_eq!((c.total[0], tree.len()), (13, 8));
    check_sums(&c);
    let name = |i: usize| c.strings[c.name[i] as usize].as_str();
    let top: Vec<(&str, u64)> = (1..4).map(|i| (name(i), c.total[i])).collect();
    assert_eq!(top, [("main", 8), ("handler=x", 4), ("[no frames]", 1)]);
    let a = c.first[1] as usize;
    assert_eq!((name(a), c.total[a], c.own[a], c.line[a]), ("a", 7, 5, 3));
    assert_eq!(c.flags[a], VARIES, "a:3 and a:9 were merged");
    assert_eq!(c.flags[2], PSEUDO);

    let leaf = |i: usize| name(c.stack_slots[i] as usize);
    assert_eq!((leaf(1), leaf(3)), ("b", "main"));

    let small = tree.columns(4);
    check_sums(&small);
    let kept = small.stack_slots[1] as usize;
    assert_eq!(
        small.strings[small.name[kept] as usize], "a",
        "b was left out: its parent stands for it"
    );
    let more: Vec<(&str, u64)> = (0..small.name.len())
        .filter(|&i| small.flags[i] == MORE)
        .map(|i| {
            (
                small.strings[small.name[i] as usize].as_str(),
                small.total[i],
            )
        })
        .collect();
    // Root, main, a, then the first of the 4s: handler=x, before its child.
    assert_eq!(
        more,
        [
            ("[1 more]", 1),
            ("[1 more]", 1),
            ("[1 more]", 4),
            ("[1 more]", 2)
        ]
    );
}
