//! The call tree, root → leaf, of the run's aggregation
//! ([`Aggregation::stacks`](crate::analysis::Aggregation::stacks)), and its
//! compact form for the page.
//!
//! Each node has a cumulative count (the stacks that pass through it) and a
//! self count (the stacks that end there). Pseudo-frames above a stack's root
//! (labels, `[truncated]`) are nodes too, so each root's count is the sum of
//! pp-fold's lines that start with it. Frames are merged exactly as pp-fold
//! merges them, by their folded text (the function, or with `--lines`
//! function, file and line); a merged node shows its smallest `file:line`
//! and says when others were merged in.
//!
//! The tree is never built node by node. Each stack is a sequence of labels
//! (its pseudo-frames, then its frames' text ids in the aggregation's
//! [`StackNamer`], root first); sorted by those sequences, every node is a
//! run of consecutive stacks that share a prefix: its count is a difference
//! of prefix sums, its children the runs of the next label. Only the nodes
//! the page shows are ever visited, so memory grows with the stacks and the
//! page's budget, not with the tree's size.
//!
//! The page gets at most [`NODE_BUDGET`] nodes (plus one `N more` node per
//! node that lost children): the heaviest, taken from the root down, so every
//! kept node's parent is kept. The children a node loses are summed into its
//! one `N more` node.

use std::cmp::{Ordering, Reverse};
use std::collections::{BTreeSet, VecDeque};

use serde::Serialize;

use crate::analysis::namer::NO_FRAMES;
use crate::analysis::{StackNamer, Stacks};
use crate::model::{FastMap, FrameId, Interner};

/// How many nodes of the tree the page holds at most.
pub const NODE_BUDGET: usize = 100_000;

/// Node flag: a pseudo-frame (labels, `[truncated]`, `[no frames]`).
pub const PSEUDO: u8 = 1;
/// Node flag: the sum of children left out of the page.
pub const MORE: u8 = 2;
/// Node flag: frames at more than one `file:line` were merged into this node.
pub const VARIES: u8 = 4;

/// Set in a label that names a pseudo-frame; clear for a frame-text id.
const PSEUDO_LABEL: u32 = 1 << 31;

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
    /// Per stack the tree was built from: the index here of the deepest node
    /// shown on its path (not for the script).
    #[serde(skip)]
    pub stack_slots: Vec<u32>,
}

/// The whole call tree, over the stacks it was built from.
pub struct Tree<'a> {
    stacks: &'a Stacks,
    names: &'a StackNamer,
    interner: &'a Interner,
    /// Per set of roots (see [`Stacks::roots`]): their pseudo-frame ids.
    roots: Vec<Vec<u32>>,
    /// The pseudo-frame id of `[no frames]`, the one label of a stack without frames.
    no_frames: u32,
    /// Per stack: how many of its labels are frames.
    frames: Vec<u32>,
    pseudo: Vec<String>,
    /// Stack indexes, sorted by their labels.
    order: Vec<u32>,
    /// `sums[i]`: the values of `order[..i]` added up.
    sums: Vec<u64>,
    /// `lcp[i]`: how many labels `order[i - 1]` and `order[i]` share (0 for
    /// `i == 0`): a node's children are where it drops to the node's depth.
    lcp: Vec<u32>,
    /// Number of nodes, the root included.
    nodes: usize,
}

/// A node: the stacks `order[lo..hi]`, which share their first `depth` labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Node {
    depth: u32,
    lo: u32,
    hi: u32,
}

/// A node with what ordering and showing it takes.
#[derive(Debug, Clone, Copy)]
struct Info {
    node: Node,
    total: u64,
    /// Its label; the root's is its pseudo-frame `all`.
    label: u32,
    /// For frames: the merged frame with the smallest (file, line).
    frame: Option<FrameId>,
    varies: bool,
}

impl<'a> Tree<'a> {
    /// Builds the tree of `stacks`, whose texts `names` named.
    pub fn build(stacks: &'a Stacks, names: &'a StackNamer, interner: &'a Interner) -> Tree<'a> {
        let mut pseudo = vec!["all".to_string()];
        let mut pseudo_ids: FastMap<&str, u32> = FastMap::default();
        let mut id = |text: &'a str, pseudo: &mut Vec<String>| {
            *pseudo_ids.entry(text).or_insert_with(|| {
                pseudo.push(text.to_string());
                pseudo.len() as u32 - 1
            })
        };
        let roots = (stacks.roots.iter())
            .map(|set| set.iter().map(|text| id(text, &mut pseudo)).collect())
            .collect();
        let no_frames = id(NO_FRAMES, &mut pseudo);
        let frames = (stacks.stacks.iter())
            .map(|stack| (interner.frames_of(stack.stack).len() - stack.trimmed as usize) as u32)
            .collect();
        let stacks_len = stacks.stacks.len();
        let mut tree = Tree {
            stacks,
            names,
            interner,
            roots,
            no_frames,
            frames,
            pseudo,
            order: Vec::new(),
            sums: Vec::new(),
            lcp: Vec::with_capacity(stacks_len),
            nodes: 1,
        };
        let mut order: Vec<u32> = (0..stacks_len as u32).collect();
        order.sort_unstable_by(|&a, &b| tree.compare(a, b));
        tree.sums.push(0);
        let mut previous: Option<u32> = None;
        for &s in &order {
            let total = tree.sums.last().copied().unwrap_or(0);
            tree.sums.push(total + stacks.stacks[s as usize].value);
            let shared = previous.map_or(0, |p| tree.shared(p, s));
            tree.lcp.push(shared as u32);
            tree.nodes += tree.len_of(s) - shared;
            previous = Some(s);
        }
        tree.order = order;
        tree
    }

    /// Number of nodes, the root included.
    pub fn len(&self) -> usize {
        self.nodes
    }

    /// The pseudo-frame ids above stack `s`'s root.
    fn roots_of(&self, s: u32) -> &[u32] {
        &self.roots[self.stacks.stacks[s as usize].roots as usize]
    }

    /// Number of labels of stack `s`: its roots, then its frames or `[no frames]`.
    fn len_of(&self, s: u32) -> usize {
        self.roots_of(s).len() + self.frames[s as usize].max(1) as usize
    }

    /// Label `d` (from the root) of stack `s`.
    fn label(&self, s: u32, d: usize) -> u32 {
        let roots = self.roots_of(s);
        match roots.get(d) {
            Some(&id) => PSEUDO_LABEL | id,
            None if self.frames[s as usize] == 0 => PSEUDO_LABEL | self.no_frames,
            None => self.names.sequence(self.stacks.stacks[s as usize].text)[d - roots.len()],
        }
    }

    /// How many labels stacks `a` and `b` share from the root.
    fn shared(&self, a: u32, b: u32) -> usize {
        let n = self.len_of(a).min(self.len_of(b));
        (0..n)
            .take_while(|&d| self.label(a, d) == self.label(b, d))
            .count()
    }

    /// Stacks by their labels, a prefix before what extends it.
    fn compare(&self, a: u32, b: u32) -> Ordering {
        let shared = self.shared(a, b);
        match (shared < self.len_of(a), shared < self.len_of(b)) {
            (true, true) => self.label(a, shared).cmp(&self.label(b, shared)),
            (a_more, b_more) => a_more.cmp(&b_more),
        }
    }

    /// The frame of stack `s` at depth `d` (a frame label's depth).
    fn frame_at(&self, s: u32, d: usize) -> FrameId {
        let stack = &self.stacks.stacks[s as usize];
        let frames = self.interner.frames_of(stack.stack);
        let j = d - self.roots_of(s).len();
        frames[frames.len() - 1 - j]
    }

    fn root(&self) -> Info {
        Info {
            node: Node {
                depth: 0,
                lo: 0,
                hi: self.order.len() as u32,
            },
            total: self.sums[self.order.len()],
            label: PSEUDO_LABEL,
            frame: None,
            varies: false,
        }
    }

    /// The node `node`, whose last label is `label`, with its count and frame.
    fn info(&self, node: Node, label: u32) -> Info {
        let total = self.sums[node.hi as usize] - self.sums[node.lo as usize];
        let mut info = Info {
            node,
            total,
            label,
            frame: None,
            varies: false,
        };
        if label & PSEUDO_LABEL != 0 {
            return info;
        }
        let at = node.depth as usize - 1;
        let place = |s: u32| {
            let frame = self.interner.get(self.frame_at(s, at));
            (&frame.file, frame.line)
        };
        // One pass: the stack with the smallest place (the lowest index among
        // equals), and whether any place differs from another.
        let mut first = self.order[node.lo as usize];
        let mut least = place(first);
        for p in node.lo + 1..node.hi {
            let s = self.order[p as usize];
            let here = place(s);
            if here != least {
                info.varies = true;
                if here < least || (here == least && s < first) {
                    (first, least) = (s, here);
                }
            } else if s < first {
                first = s;
            }
        }
        info.frame = Some(self.frame_at(first, at));
        info
    }

    /// The count of the stacks that end at `node`.
    fn own(&self, node: Node) -> u64 {
        (node.lo..node.hi)
            .map(|p| self.order[p as usize])
            .take_while(|&s| self.len_of(s) == node.depth as usize)
            .map(|s| self.stacks.stacks[s as usize].value)
            .sum()
    }

    /// The children of `node`, in [`order`](Self::order).
    fn children(&self, node: Node) -> Vec<Info> {
        let depth = node.depth as usize;
        let mut at = node.lo;
        while at < node.hi && self.len_of(self.order[at as usize]) == depth {
            at += 1;
        }
        let mut children = Vec::new();
        while at < node.hi {
            let label = self.label(self.order[at as usize], depth);
            let mut end = at + 1;
            while end < node.hi && self.lcp[end as usize] as usize > depth {
                end += 1;
            }
            let child = Node {
                depth: node.depth + 1,
                lo: at,
                hi: end,
            };
            children.push(self.info(child, label));
            at = end;
        }
        children.sort_by(|a, b| self.order(a, b));
        children
    }

    /// Siblings: heaviest first, then by name, file and line, pseudo-frames first.
    fn order(&self, x: &Info, y: &Info) -> Ordering {
        y.total
            .cmp(&x.total)
            .then_with(|| self.sort_key(x).cmp(&self.sort_key(y)))
    }

    fn sort_key(&self, info: &Info) -> SortKey<'_> {
        match info.frame {
            None => (false, self.pseudo_text(info.label).as_bytes(), b"", 0),
            Some(frame) => {
                let f = self.interner.get(frame);
                (true, &f.func, &f.file, f.line)
            }
        }
    }

    fn pseudo_text(&self, label: u32) -> &str {
        &self.pseudo[(label & !PSEUDO_LABEL) as usize]
    }

    /// The page's form, with at most about `budget` nodes (see the module documentation).
    pub fn columns(&self, budget: usize) -> Columns {
        let kept = self.kept(budget.max(1));
        let is_kept = |node: &Node| kept.as_ref().is_none_or(|k| k.contains_key(node));
        let mut out = Writer::new(self);
        out.push(Slot::Node(self.root()));
        // Breadth first: the slots wait in a queue until their children are
        // written, so only the frontier is held, never the whole tree.
        let mut slot = 0;
        while let Some(next) = out.slots.pop_front() {
            slot += 1;
            let slot = slot - 1;
            let Slot::Node(info) = next else {
                continue;
            };
            let (shown, hidden): (Vec<Info>, Vec<Info>) = self
                .children(info.node)
                .into_iter()
                .partition(|c| is_kept(&c.node));
            out.columns.first[slot] = out.columns.name.len() as u32;
            out.columns.count[slot] = (shown.len() + usize::from(!hidden.is_empty())) as u32;
            for child in shown {
                out.push(Slot::Node(child));
            }
            if !hidden.is_empty() {
                let sum = hidden.iter().map(|c| c.total).sum();
                out.push(Slot::More(hidden.len(), sum));
            }
        }
        out.columns
    }

    /// Which nodes fit in `budget` (`None`: all): taken heaviest first from
    /// the root down, so a node is kept only with its parent; ties go to the
    /// node reached first (children are sorted, so that order is
    /// deterministic). The queue holds no more nodes than can still be
    /// taken: one ranked below that many others never will be.
    fn kept(&self, budget: usize) -> Option<FastMap<Node, ()>> {
        if self.nodes <= budget {
            return None;
        }
        let mut kept = FastMap::default();
        let root = self.root();
        let mut queue = BTreeSet::from([(Reverse(root.total), 0u64, root.node)]);
        let mut reached = 0u64;
        while let Some((_, _, node)) = queue.pop_first() {
            if kept.len() == budget {
                break;
            }
            kept.insert(node, ());
            for child in self.children(node) {
                reached += 1;
                queue.insert((Reverse(child.total), reached, child.node));
            }
            while queue.len() > budget - kept.len() {
                queue.pop_last();
            }
        }
        Some(kept)
    }
}

/// How siblings of equal count are ordered: pseudo-frames first, then name, file, line.
type SortKey<'a> = (bool, &'a [u8], &'a [u8], u32);

/// What a slot of the page's tree holds.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Node(Info),
    /// `N more` children and their summed count.
    More(usize, u64),
}

/// Writes nodes into [`Columns`], interning their strings.
struct Writer<'t, 'a> {
    tree: &'t Tree<'a>,
    strings: FastMap<String, u32>,
    /// Frame index → its (name, file) string ids + 1; 0 = not written yet.
    frame_strings: Vec<(u32, u32)>,
    /// Slots written whose children are not yet.
    slots: VecDeque<Slot>,
    columns: Columns,
}

impl<'t, 'a> Writer<'t, 'a> {
    fn new(tree: &'t Tree<'a>) -> Writer<'t, 'a> {
        let mut writer = Writer {
            tree,
            strings: FastMap::default(),
            frame_strings: Vec::new(),
            slots: VecDeque::new(),
            columns: Columns {
                stack_slots: vec![0; tree.stacks.stacks.len()],
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

    /// The string ids of `frame`'s name and file, made the first time.
    fn frame(&mut self, frame: FrameId) -> (u32, u32) {
        let slot = frame.index();
        if slot >= self.frame_strings.len() {
            self.frame_strings.resize(slot + 1, (0, 0));
        }
        if self.frame_strings[slot].0 == 0 {
            let f = self.tree.interner.get(frame);
            let (name, file) = (self.string(lossy(&f.func)), self.string(lossy(&f.file)));
            self.frame_strings[slot] = (name + 1, file + 1);
        }
        let (name, file) = self.frame_strings[slot];
        (name - 1, file - 1)
    }

    fn push(&mut self, slot: Slot) {
        let index = self.columns.name.len() as u32;
        let (name, file, line, total, own, flags) = match slot {
            Slot::More(n, sum) => (self.string(format!("[{n} more]")), 0, 0, sum, 0, MORE),
            Slot::Node(info) => {
                let node = info.node;
                for p in node.lo..node.hi {
                    self.columns.stack_slots[self.tree.order[p as usize] as usize] = index;
                }
                let own = self.tree.own(node);
                match info.frame {
                    Some(frame) => {
                        let line = self.tree.interner.get(frame).line;
                        let (name, file) = self.frame(frame);
                        let flags = if info.varies { VARIES } else { 0 };
                        (name, file, line, info.total, own, flags)
                    }
                    None => {
                        let name = self.string(self.tree.pseudo_text(info.label).to_string());
                        (name, 0, 0, info.total, own, PSEUDO)
                    }
                }
            }
        };
        let c = &mut self.columns;
        c.name.push(name);
        c.file.push(file);
        c.line.push(line);
        c.total.push(total);
        c.own.push(own);
        c.first.push(0);
        c.count.push(0);
        c.flags.push(flags);
        self.slots.push_back(slot);
    }
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests;
