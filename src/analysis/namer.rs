//! [`StackNamer`]: each distinct stack's folded text (`root;...;leaf`), held
//! as a sequence of frame-text ids rather than as text.
//!
//! Every distinct frame is made safe once ([`push_frame`]) and its text
//! interned; a stack's text is then the sequence of its frames' text ids,
//! root first, after `--trim-runtime`. Two stacks fold to the same text
//! exactly when their sequences are equal, because safe frame texts hold no
//! `;`: the join is one-to-one. So the namer stores about four bytes per
//! frame of each distinct text, not the text, and renders a text only when
//! an output writes it ([`StackNamer::write_text`]). [`StackNamer::cmp`]
//! orders texts bytewise without rendering them.

use std::cmp::Ordering;
use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use super::name::{FrameStyle, push_frame, runtime_leaf_frames};
use crate::model::{FastMap, FrameId, Interner, StackId};

/// The text of a stack with no frames.
pub const NO_FRAMES: &str = "[no frames]";

/// Folds stacks into their text once per distinct stack id, and names each
/// distinct text by a small id. Stacks that fold to the same text (they
/// differ only in what the style leaves out, in trimmed runtime frames, or
/// in bytes that safe names rewrite) share an id.
#[derive(Debug, Default)]
pub struct StackNamer {
    style: FrameStyle,
    trim_runtime: bool,
    /// Stack index → text id + 1; 0 = not folded yet.
    ids: Vec<u32>,
    /// Frame index → frame-text id + 1; 0 = not named yet.
    frame_texts: Vec<u32>,
    /// Frame-text id → the frame's safe text.
    frame_strings: Vec<Box<str>>,
    frame_string_ids: FastMap<Box<str>, u32>,
    /// Every text's frame-text ids, root first, one after the other.
    sequences: Vec<u32>,
    /// Text id → its range in `sequences`.
    spans: Vec<(u32, u32)>,
    /// Text ids, by the hash of their sequence.
    by_sequence: HashTable<u32>,
    /// For each text: one stack that folds to it, and its trimmed leaf frames.
    representatives: Vec<(StackId, usize)>,
}

impl StackNamer {
    /// A namer writing frames in `style`, dropping parked runtime leaves when `trim_runtime`.
    pub fn new(style: FrameStyle, trim_runtime: bool) -> StackNamer {
        StackNamer {
            style,
            trim_runtime,
            ..StackNamer::default()
        }
    }

    /// The text id of `stack`, folding it the first time.
    pub fn id(&mut self, stack: StackId, interner: &Interner) -> u32 {
        let slot = stack.index();
        if slot >= self.ids.len() {
            self.ids.resize(slot + 1, 0);
        }
        if self.ids[slot] == 0 {
            self.ids[slot] = self.fold(stack, interner) + 1;
        }
        self.ids[slot] - 1
    }

    /// Folds `stack` to the id of its text, adding the text if it is new.
    fn fold(&mut self, stack: StackId, interner: &Interner) -> u32 {
        let frames = interner.frames_of(stack);
        let skip = if self.trim_runtime {
            runtime_leaf_frames(frames, interner)
        } else {
            0
        };
        let start = self.sequences.len();
        if frames.len() == skip {
            let id = self.string_id(NO_FRAMES);
            self.sequences.push(id);
        }
        for &frame in frames[skip..].iter().rev() {
            let id = self.frame_text(frame, interner);
            self.sequences.push(id);
        }
        let hasher = FixedState::default();
        let hash = hasher.hash_one(&self.sequences[start..]);
        let (sequences, spans) = (&self.sequences, &self.spans);
        let found = self.by_sequence.find(hash, |&id| {
            let (a, b) = spans[id as usize];
            sequences[a as usize..b as usize] == sequences[start..]
        });
        if let Some(&id) = found {
            self.sequences.truncate(start);
            return id;
        }
        let id = self.spans.len() as u32;
        self.spans.push((start as u32, self.sequences.len() as u32));
        self.representatives.push((stack, skip));
        let (sequences, spans) = (&self.sequences, &self.spans);
        self.by_sequence.insert_unique(hash, id, |&id| {
            let (a, b) = spans[id as usize];
            hasher.hash_one(&sequences[a as usize..b as usize])
        });
        id
    }

    /// The frame-text id of `frame`, naming it the first time.
    fn frame_text(&mut self, frame: FrameId, interner: &Interner) -> u32 {
        let slot = frame.index();
        if slot >= self.frame_texts.len() {
            self.frame_texts.resize(slot + 1, 0);
        }
        if self.frame_texts[slot] == 0 {
            let mut text = String::new();
            push_frame(interner.get(frame), self.style, &mut text);
            self.frame_texts[slot] = self.string_id(&text) + 1;
        }
        self.frame_texts[slot] - 1
    }

    fn string_id(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.frame_string_ids.get(text) {
            return id;
        }
        let id = self.frame_strings.len() as u32;
        self.frame_strings.push(text.into());
        self.frame_string_ids.insert(text.into(), id);
        id
    }

    /// The text id of the stack with index `stack` (see [`StackId::index`]),
    /// if it was folded.
    pub fn known(&self, stack: usize) -> Option<u32> {
        self.ids.get(stack).and_then(|&id| id.checked_sub(1))
    }

    /// Every folded stack, as (stack index, text id), by stack index.
    pub fn known_stacks(&self) -> impl Iterator<Item = (usize, u32)> + '_ {
        (0..self.ids.len()).filter_map(|stack| Some((stack, self.known(stack)?)))
    }

    /// Number of distinct texts.
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// True before any stack was folded.
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The safe texts of text id `id`'s frames, root first.
    pub fn frames(&self, id: u32) -> impl Iterator<Item = &str> + '_ {
        self.sequence(id)
            .iter()
            .map(|&f| &*self.frame_strings[f as usize])
    }

    /// The frame-text ids of text id `id`, root first: equal ids are equal
    /// frame texts (see [`frame_string`](Self::frame_string)).
    pub fn sequence(&self, id: u32) -> &[u32] {
        let (a, b) = self.spans[id as usize];
        &self.sequences[a as usize..b as usize]
    }

    /// The safe text of frame-text id `id`.
    pub fn frame_string(&self, id: u32) -> &str {
        &self.frame_strings[id as usize]
    }

    /// Appends the folded text of text id `id` to `out`.
    pub fn write_text(&self, id: u32, out: &mut String) {
        for (i, frame) in self.frames(id).enumerate() {
            if i > 0 {
                out.push(';');
            }
            out.push_str(frame);
        }
    }

    /// The folded text of text id `id`.
    pub fn text(&self, id: u32) -> String {
        let mut text = String::new();
        self.write_text(id, &mut text);
        text
    }

    /// The bytewise order of the texts of `a` and `b`, each preceded by
    /// pseudo-frames (`roots_a`, `roots_b`, joined with `;` as in a folded
    /// line), without rendering them: frames that are the same id compare
    /// equal at once, and only the first differing pair is compared as text.
    pub fn cmp<'a>(
        &'a self,
        (roots_a, a): (impl Iterator<Item = &'a str>, u32),
        (roots_b, b): (impl Iterator<Item = &'a str>, u32),
    ) -> Ordering {
        let (seq_a, seq_b) = (self.sequence(a), self.sequence(b));
        let mut xs = roots_a
            .map(Token::Root)
            .chain(seq_a.iter().map(|&f| Token::Frame(f)))
            .peekable();
        let mut ys = roots_b
            .map(Token::Root)
            .chain(seq_b.iter().map(|&f| Token::Frame(f)))
            .peekable();
        loop {
            let (x, y) = match (xs.next(), ys.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(x), Some(y)) => (x, y),
            };
            if let (Token::Frame(f), Token::Frame(g)) = (x, y)
                && f == g
            {
                continue;
            }
            let (x, y) = (self.token_text(x), self.token_text(y));
            if x == y {
                continue;
            }
            return joined_order((x, xs.peek().is_some()), (y, ys.peek().is_some()));
        }
    }

    fn token_text<'a>(&'a self, token: Token<'a>) -> &'a str {
        match token {
            Token::Root(text) => text,
            Token::Frame(f) => &self.frame_strings[f as usize],
        }
    }

    /// One stack that folds to text id `id`, and how many leaf frames were trimmed.
    pub fn representative(&self, id: u32) -> (StackId, usize) {
        self.representatives[id as usize]
    }
}

/// One `;`-separated part of a folded line.
#[derive(Debug, Clone, Copy)]
enum Token<'a> {
    Root(&'a str),
    Frame(u32),
}

/// The order of two lines that first differ in parts `x` and `y` (`x != y`),
/// each with whether more parts follow it, as their whole texts compare
/// bytewise. Where one part is a prefix of the other, the shorter line goes
/// on with `;` or ends there; `;` is in no part, so the byte after the prefix
/// in the longer part decides, or the end does.
fn joined_order((x, x_more): (&str, bool), (y, y_more): (&str, bool)) -> Ordering {
    let common = x.bytes().zip(y.bytes()).take_while(|(a, b)| a == b).count();
    match (x.as_bytes().get(common), y.as_bytes().get(common)) {
        (Some(a), Some(b)) => a.cmp(b),
        (None, Some(_)) if !x_more => Ordering::Less,
        (None, Some(&b)) => b';'.cmp(&b),
        (Some(_), None) if !y_more => Ordering::Greater,
        (Some(&a), None) => a.cmp(&b';'),
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrameRef;

    /// Texts sort by the namer exactly as their rendered strings sort.
    #[test]
    fn order_is_the_texts_bytewise_order() {
        let names = [
            "main.f",
            "main.f.func1",
            "main.f!",
            "main.f x",
            "main.g",
            "a;b",
            "a_b",
            "a",
            "a.b",
            "",
            "main.f 12",
        ];
        let mut interner = Interner::new();
        let frames: Vec<FrameId> = names
            .iter()
            .map(|n| {
                interner.frame(FrameRef {
                    func: n.as_bytes(),
                    file: b"",
                    line: 0,
                })
            })
            .collect();
        let mut stacks = Vec::new();
        for &a in &frames {
            stacks.push(interner.stack(&[a]));
            for &b in &frames {
                stacks.push(interner.stack(&[a, b]));
                stacks.push(interner.stack(&[a, b, frames[0]]));
            }
        }
        stacks.push(interner.stack(&[]));
        let mut namer = StackNamer::new(FrameStyle::Func, false);
        let ids: Vec<u32> = stacks.iter().map(|&s| namer.id(s, &interner)).collect();
        let roots: [&[&str]; 3] = [&[], &["handler=x"], &["handler=x", "[truncated]"]];
        let mut lines = Vec::new();
        for (r, roots) in roots.iter().enumerate() {
            for &id in &ids {
                let mut text = roots.join(";");
                if !roots.is_empty() {
                    text.push(';');
                }
                namer.write_text(id, &mut text);
                lines.push((r, id, text));
            }
        }
        for (ra, a, text_a) in &lines {
            for (rb, b, text_b) in &lines {
                let order = namer.cmp(
                    (roots[*ra].iter().copied(), *a),
                    (roots[*rb].iter().copied(), *b),
                );
                assert_eq!(order, text_a.cmp(text_b), "{text_a:?} vs {text_b:?}");
            }
        }
        // Equal texts share an id: `a;b` and `a_b` are both `a_b`.
        let text_ids: std::collections::BTreeMap<String, u32> =
            ids.iter().map(|&id| (namer.text(id), id)).collect();
        assert_eq!(text_ids.len(), namer.len());
        let empty = namer.id(interner.stack(&[]), &interner);
        assert_eq!(namer.text(empty), NO_FRAMES);
    }
}
