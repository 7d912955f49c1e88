//! The call tree, root → leaf, built from pp-fold's aggregation
//! ([`Aggregation::stacks`](crate::analysis::Aggregation::stacks)), and its compact
//! form for the page.
//!
//! Each node has a cumulative count (the stacks that pass through it) and a
//! self count (the stacks that end there). Pseudo-frames above a stack's root
//! (labels, `[truncated]`) are nodes too, so each root's count is the sum of
//! pp-fold's lines that start with it. Frames are merged as pp-fold merges
//! them: by function, or with `--lines` by function, file and line; a merged
//! node shows its smallest `file:line` and says when others were merged in.
//!
//! The page gets at most [`NODE_BUDGET`] nodes (plus one `N more` node per
//! node that lost children): the heaviest, taken from the root down, so every
//! kept node's parent is kept. The children a node loses are summed into its
//! one `N more` node.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use serde::Serialize;

use crate::analysis::{FoldedStack, FrameStyle};
use crate::model::{FrameId, Interner};

/// How many nodes of the tree the page holds at most.
pub const NODE_BUDGET: usize = 100_000;

/// Node flag: a pseudo-frame (labels, `[truncated]`, `[no frames]`).
pub const PSEUDO: u8 = 1;
/// Node flag: the sum of children left out of the page.
pub const MORE: u8 = 2;
/// Node flag: frames at more than one `file:line` were merged into this node.
pub const VARIES: u8 = 4;

/// Frames made comparable the way `--lines` asks: by function alone, or by
/// function, file and line. Equal keys are the same frame for the report.
#[derive(Default)]
struct Projection {
    style: FrameStyle,
    /// Frame id → key + 1; 0 = not projected yet.
    frame_keys: Vec<u32>,
    keys: HashMap<FrameKey, u32>,
}

/// A frame as `--lines` compares it: function, and file and line or nothing.
type FrameKey = (Box<[u8]>, Box<[u8]>, u32);

impl Projection {
    /// A projection for frames written in `style`.
    fn new(style: FrameStyle) -> Projection {
        Projection {
            style,
            ..Projection::default()
        }
    }

    /// The key of `frame`.
    fn key(&mut self, frame: FrameId, interner: &Interner) -> u32 {
        let slot = frame.index();
        if slot >= self.frame_keys.len() {
            self.frame_keys.resize(slot + 1, 0);
        }
        if self.frame_keys[slot] == 0 {
            let f = interner.get(frame);
            let (file, line) = match self.style {
                FrameStyle::Func => (Box::default(), 0),
                FrameStyle::FuncLine => (Box::default(), f.line),
                FrameStyle::FuncFileLine => (f.file.clone(), f.line),
            };
            let next = self.keys.len() as u32;
            let key = *self
                .keys
                .entry((f.func.clone(), file, line))
                .or_insert(next);
            self.frame_keys[slot] = key + 1;
        }
        self.frame_keys[slot] - 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Label {
    Pseudo(u32),
    Frame(u32),
}

#[derive(Debug, Clone)]
struct Node {
    parent: u32,
    label: Label,
    /// For frames: the merged frame with the smallest (file, line).
    frame: Option<FrameId>,
    varies: bool,
    total: u64,
    own: u64,
}

/// The whole call tree; node 0 is the root above every stack.
pub struct Tree {
    nodes: Vec<Node>,
    pseudo: Vec<String>,
    pseudo_ids: HashMap<String, u32>,
    /// The node each built stack ends at, in the order of the stacks.
    leaves: Vec<u32>,
    /// (parent, label) → child, while building.
    children: HashMap<(u32, Label), u32>,
}

/// The page's form of the tree: one array per field, nodes breadth first,
/// so each node's children are `first[i] .. first[i] + count[i]`, heaviest first.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Columns {
    /// Every distinct name and file; the other columns index into it.
    pub strings: Vec<String>,
    /// Function (or pseudo-frame) name.
    pub name: Vec<u32>,
    /// Source file (`strings[0]` is the empty string).
    pub file: Vec<u32>,
    /// Line, 0 when unknown.
    pub line: Vec<u32>,
    /// Cumulative count.
    pub total: Vec<u64>,
    /// Self count.
    #[serde(rename = "self")]
    pub own: Vec<u64>,
    /// Index of the first child.
    pub first: Vec<u32>,
    /// Number of children.
    pub count: Vec<u32>,
    /// [`PSEUDO`], [`MORE`], [`VARIES`].
    pub flags: Vec<u8>,
    /// Tree node → its index here, `u32::MAX` when left out (not for the script).
    #[serde(skip)]
    pub slots: Vec<u32>,
}

impl Tree {
    /// Builds the tree of `stacks`, merging frames as `style` tells them apart.
    pub fn build(stacks: &[FoldedStack], interner: &Interner, style: FrameStyle) -> Tree {
        let mut projection = Projection::new(style);
        let root = Node {
            parent: u32::MAX,
            label: Label::Pseudo(0),
            frame: None,
            varies: false,
            total: 0,
            own: 0,
        };
        let mut tree = Tree {
            nodes: vec![root],
            pseudo: vec!["all".to_string()],
            pseudo_ids: HashMap::new(),
            leaves: Vec::with_capacity(stacks.len()),
            children: HashMap::new(),
        };
        for stack in stacks {
            tree.nodes[0].total += stack.value;
            let mut at = 0;
            for root in &stack.roots {
                let label = Label::Pseudo(tree.pseudo_id(root));
                at = tree.child(at, label, None, stack.value, interner);
            }
            let frames = &interner.frames_of(stack.stack)[stack.trimmed..];
            if frames.is_empty() {
                let label = Label::Pseudo(tree.pseudo_id("[no frames]"));
                at = tree.child(at, label, None, stack.value, interner);
            }
            for &frame in frames.iter().rev() {
                let key = projection.key(frame, interner);
                at = tree.child(at, Label::Frame(key), Some(frame), stack.value, interner);
            }
            tree.nodes[at as usize].own += stack.value;
            tree.leaves.push(at);
        }
        tree.children = HashMap::new();
        tree
    }

    /// The id of the pseudo-frame `text`, adding it if it is new.
    fn pseudo_id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.pseudo_ids.get(text) {
            return id;
        }
        let id = self.pseudo.len() as u32;
        self.pseudo.push(text.to_string());
        self.pseudo_ids.insert(text.to_string(), id);
        id
    }

    /// Adds `value` to the child `label` of `parent`, creating it; returns its id.
    fn child(
        &mut self,
        parent: u32,
        label: Label,
        frame: Option<FrameId>,
        value: u64,
        interner: &Interner,
    ) -> u32 {
        let next = self.nodes.len() as u32;
        let id = *self.children.entry((parent, label)).or_insert(next);
        if id == next {
            self.nodes.push(Node {
                parent,
                label,
                frame,
                varies: false,
                total: 0,
                own: 0,
            });
        }
        let node = &mut self.nodes[id as usize];
        node.total += value;
        if let (Some(new), Some(old)) = (frame, node.frame)
            && new != old
        {
            let (a, b) = (interner.get(new), interner.get(old));
            if (&a.file, a.line) != (&b.file, b.line) {
                node.varies = true;
            }
            if (&a.file, a.line) < (&b.file, b.line) {
                node.frame = Some(new);
            }
        }
        id
    }

    /// The node where stack `i` of those the tree was built from ends.
    pub fn leaf(&self, i: usize) -> u32 {
        self.leaves[i]
    }

    /// Where `node` is in `columns`: its index, or its nearest ancestor's
    /// when it was left out of the page.
    pub fn slot(&self, columns: &Columns, node: u32) -> u32 {
        let mut at = node;
        while columns.slots[at as usize] == u32::MAX {
            at = self.nodes[at as usize].parent;
        }
        columns.slots[at as usize]
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The page's form, with at most about `budget` nodes (see the module documentation).
    pub fn columns(&self, interner: &Interner, budget: usize) -> Columns {
        let mut children: Vec<Vec<u32>> = vec![Vec::new(); self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate().skip(1) {
            children[node.parent as usize].push(i as u32);
        }
        for list in &mut children {
            list.sort_by(|&a, &b| self.order(a, b, interner));
        }
        let kept = self.kept(budget.max(1), &children);
        let mut out = Writer::new(self, interner);
        out.push(Slot::Node(0));
        let mut next = 0;
        while next < out.columns.name.len() {
            let slot = next;
            next += 1;
            let Slot::Node(id) = out.slots[slot] else {
                continue;
            };
            let list = std::mem::take(&mut children[id as usize]);
            let (shown, hidden): (Vec<u32>, Vec<u32>) =
                list.into_iter().partition(|&c| kept[c as usize]);
            out.columns.first[slot] = out.columns.name.len() as u32;
            out.columns.count[slot] = (shown.len() + usize::from(!hidden.is_empty())) as u32;
            for child in shown {
                out.push(Slot::Node(child));
            }
            if !hidden.is_empty() {
                let sum = hidden.iter().map(|&c| self.nodes[c as usize].total).sum();
                out.push(Slot::More(hidden.len(), sum));
            }
        }
        out.columns
    }

    /// Which nodes fit in `budget`: taken heaviest first from the root down,
    /// so a node is kept only with its parent; ties go to the node reached
    /// first (`children` lists are sorted, so that order is deterministic).
    fn kept(&self, budget: usize, children: &[Vec<u32>]) -> Vec<bool> {
        let mut kept = vec![self.nodes.len() <= budget; self.nodes.len()];
        if self.nodes.len() <= budget {
            return kept;
        }
        let mut heap = BinaryHeap::from([(self.nodes[0].total, Reverse(0u64), 0u32)]);
        let (mut taken, mut reached) = (0, 0u64);
        while let Some((_, _, id)) = heap.pop() {
            if taken == budget {
                break;
            }
            kept[id as usize] = true;
            taken += 1;
            for &child in &children[id as usize] {
                reached += 1;
                heap.push((self.nodes[child as usize].total, Reverse(reached), child));
            }
        }
        kept
    }

    /// Siblings: heaviest first, then by name, file and line, pseudo-frames first.
    fn order(&self, a: u32, b: u32, interner: &Interner) -> Ordering {
        let (x, y) = (&self.nodes[a as usize], &self.nodes[b as usize]);
        y.total
            .cmp(&x.total)
            .then_with(|| self.sort_key(x, interner).cmp(&self.sort_key(y, interner)))
    }

    fn sort_key<'a>(&'a self, node: &Node, interner: &'a Interner) -> SortKey<'a> {
        match node.label {
            Label::Pseudo(id) => (false, self.pseudo[id as usize].as_bytes(), b"", 0),
            Label::Frame(_) => {
                let f = interner.get(node.frame.expect("a frame node has a frame"));
                (true, &f.func, &f.file, f.line)
            }
        }
    }
}

/// How siblings of equal count are ordered: pseudo-frames first, then name, file, line.
type SortKey<'a> = (bool, &'a [u8], &'a [u8], u32);

/// What a slot of the page's tree holds.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Node(u32),
    /// `N more` children and their summed count.
    More(usize, u64),
}

/// Writes nodes into [`Columns`], interning their strings.
struct Writer<'a> {
    tree: &'a Tree,
    interner: &'a Interner,
    strings: HashMap<String, u32>,
    slots: Vec<Slot>,
    columns: Columns,
}

impl<'a> Writer<'a> {
    fn new(tree: &'a Tree, interner: &'a Interner) -> Writer<'a> {
        let mut writer = Writer {
            tree,
            interner,
            strings: HashMap::new(),
            slots: Vec::new(),
            columns: Columns {
                slots: vec![u32::MAX; tree.nodes.len()],
                ..Columns::default()
            },
        };
        writer.string(String::new());
        writer
    }

    fn string(&mut self, text: String) -> u32 {
        let next = self.columns.strings.len() as u32;
        let id = *self.strings.entry(text.clone()).or_insert(next);
        if id == next {
            self.columns.strings.push(text);
        }
        id
    }

    fn push(&mut self, slot: Slot) {
        let (name, file, line, total, own, flags) = match slot {
            Slot::More(n, sum) => (format!("[{n} more]"), String::new(), 0, sum, 0, MORE),
            Slot::Node(id) => {
                self.columns.slots[id as usize] = self.columns.name.len() as u32;
                let node = &self.tree.nodes[id as usize];
                let varies = if node.varies { VARIES } else { 0 };
                match node.label {
                    Label::Frame(_) => {
                        let f = self
                            .interner
                            .get(node.frame.expect("a frame node has a frame"));
                        let (name, file) = (lossy(&f.func), lossy(&f.file));
                        (name, file, f.line, node.total, node.own, varies)
                    }
                    Label::Pseudo(p) => {
                        let name = self.tree.pseudo[p as usize].clone();
                        (name, String::new(), 0, node.total, node.own, PSEUDO)
                    }
                }
            }
        };
        let (name, file) = (self.string(name), self.string(file));
        let c = &mut self.columns;
        c.name.push(name);
        c.file.push(file);
        c.line.push(line);
        c.total.push(total);
        c.own.push(own);
        c.first.push(0);
        c.count.push(0);
        c.flags.push(flags);
        self.slots.push(slot);
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let stacks = [
            (vec![], stack(&[a9, main], &mut interner), 5),
            (vec![], stack(&[b, a3, main], &mut interner), 2),
            (vec![], stack(&[c, main], &mut interner), 1),
            (
                vec!["handler=x".to_string()],
                stack(&[main], &mut interner),
                4,
            ),
            (vec![], stack(&[], &mut interner), 1),
        ]
        .map(|(roots, stack, value)| FoldedStack {
            roots,
            stack,
            text: 0,
            trimmed: 0,
            value,
        });
        let tree = Tree::build(&stacks, &interner, FrameStyle::Func);
        let c = tree.columns(&interner, 100);
        assert_eq!((c.total[0], tree.len()), (13, 8));
        check_sums(&c);
        let name = |i: usize| c.strings[c.name[i] as usize].as_str();
        let top: Vec<(&str, u64)> = (1..4).map(|i| (name(i), c.total[i])).collect();
        assert_eq!(top, [("main", 8), ("handler=x", 4), ("[no frames]", 1)]);
        let a = c.first[1] as usize;
        assert_eq!((name(a), c.total[a], c.own[a], c.line[a]), ("a", 7, 5, 3));
        assert_eq!(c.flags[a], VARIES, "a:3 and a:9 were merged");
        assert_eq!(c.flags[2], PSEUDO);

        let leaf = |i: usize| name(tree.slot(&c, tree.leaf(i)) as usize);
        assert_eq!((leaf(1), leaf(3)), ("b", "main"));

        let small = tree.columns(&interner, 4);
        check_sums(&small);
        let kept = tree.slot(&small, tree.leaf(1)) as usize;
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
}
