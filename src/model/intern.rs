//! Frames and stacks, interned: every distinct frame and stack is stored once
//! and named by a small id, so memory grows with the number of distinct stacks,
//! never with the length of the log.
//!
//! Names and paths are kept as bytes, exactly as read: Go writes UTF-8, but a
//! log is not guaranteed to be, and outputs that can carry bytes stay lossless.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

/// Names one distinct [`Frame`] of an [`Interner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrameId(u32);

/// Names one distinct stack (a sequence of frames, leaf first) of an [`Interner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StackId(u32);

impl StackId {
    /// The empty stack, interned by every [`Interner`] at creation. Records
    /// whose stacks were not asked for (see `Detail::Counts`) carry it too.
    pub const EMPTY: StackId = StackId(0);

    /// The id as an index, for consumers that keep per-stack tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl FrameId {
    /// The id as an index, for consumers that keep per-frame tables.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One frame: a function and where it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Frame {
    /// The function as Go prints it (`net/http.(*conn).serve`, `queue.(*Queue[...]).Pop`),
    /// without the `+0x…` offset; for a frame known only by address, the address (`0x493b61`).
    pub func: Box<[u8]>,
    /// The source file, empty when unknown.
    pub file: Box<[u8]>,
    /// The line in `file`, 0 when unknown.
    pub line: u32,
}

/// A borrowed [`Frame`], used to look frames up without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameRef<'a> {
    /// See [`Frame::func`].
    pub func: &'a [u8],
    /// See [`Frame::file`].
    pub file: &'a [u8],
    /// See [`Frame::line`].
    pub line: u32,
}

/// Owns every distinct frame and stack seen so far.
pub struct Interner {
    hasher: FixedState,
    frames: Vec<Frame>,
    frame_table: HashTable<FrameId>,
    /// Stack `i` is `stack_frames[stack_starts[i]..stack_starts[i + 1]]`.
    stack_frames: Vec<FrameId>,
    stack_starts: Vec<u32>,
    stack_table: HashTable<StackId>,
    /// Goroutine states of debug=2 dumps (`chan receive`); 0 is "no state".
    states: Vec<Box<str>>,
    /// The states' ids by the bytes they were read from.
    state_bytes: IdsByBytes,
    /// Creators of debug=2 goroutines (`created by FUNC`); 0 is "no creator".
    creators: Vec<Box<str>>,
    creator_table: super::FastMap<Box<str>, u32>,
    /// The creators' ids by the bytes they were read from.
    creator_bytes: IdsByBytes,
}

/// Ids of names by the bytes a dump spelled them with: a dump's lines need
/// not be UTF-8, and bytes that name the same text share its id. The last
/// lookup is kept in front, as a dump's neighbours mostly share it.
#[derive(Default)]
struct IdsByBytes {
    ids: super::FastMap<Box<[u8]>, u32>,
    /// The last bytes looked up and their id; an id of 0 (the empty state)
    /// is never taken from here.
    last: (Vec<u8>, u32),
}

impl IdsByBytes {
    /// The id `bytes` got before, if any.
    fn get(&mut self, bytes: &[u8]) -> Option<u32> {
        if self.last.1 != 0 && self.last.0 == bytes {
            return Some(self.last.1);
        }
        let id = *self.ids.get(bytes)?;
        self.remember(bytes, id);
        Some(id)
    }

    /// Gives `bytes` the id their text got.
    fn insert(&mut self, bytes: &[u8], id: u32) {
        self.ids.insert(bytes.into(), id);
        self.remember(bytes, id);
    }

    fn remember(&mut self, bytes: &[u8], id: u32) {
        self.last.0.clear();
        self.last.0.extend_from_slice(bytes);
        self.last.1 = id;
    }
}

impl Default for Interner {
    fn default() -> Interner {
        Interner::new()
    }
}

impl Interner {
    /// An interner holding only the empty stack ([`StackId::EMPTY`]).
    pub fn new() -> Interner {
        let mut interner = Interner {
            hasher: FixedState::default(),
            frames: Vec::new(),
            frame_table: HashTable::new(),
            stack_frames: Vec::new(),
            stack_starts: vec![0],
            stack_table: HashTable::new(),
            states: vec!["".into()],
            state_bytes: IdsByBytes::default(),
            creators: vec!["".into()],
            creator_table: super::FastMap::default(),
            creator_bytes: IdsByBytes::default(),
        };
        let empty = interner.stack(&[]);
        debug_assert_eq!(empty, StackId::EMPTY);
        interner
    }

    /// The id of `frame`, adding it if it is new.
    pub fn frame(&mut self, frame: FrameRef<'_>) -> FrameId {
        let hash = self.hasher.hash_one(frame);
        let frames = &self.frames;
        let eq = |id: &FrameId| frames[id.index()].as_ref() == frame;
        if let Some(&id) = self.frame_table.find(hash, eq) {
            return id;
        }
        let id = FrameId(u32::try_from(self.frames.len()).expect("fewer than 2^32 frames"));
        self.frames.push(Frame {
            func: frame.func.into(),
            file: frame.file.into(),
            line: frame.line,
        });
        let (frames, hasher) = (&self.frames, &self.hasher);
        self.frame_table
            .insert_unique(hash, id, |id| hasher.hash_one(frames[id.index()].as_ref()));
        id
    }

    /// The id of the stack `frames` (leaf first), adding it if it is new.
    pub fn stack(&mut self, frames: &[FrameId]) -> StackId {
        let hash = self.hasher.hash_one(frames);
        let this = &*self;
        if let Some(&id) = self
            .stack_table
            .find(hash, |&id| this.frames_of(id) == frames)
        {
            return id;
        }
        let id =
            StackId(u32::try_from(self.stack_starts.len() - 1).expect("fewer than 2^32 stacks"));
        self.stack_frames.extend_from_slice(frames);
        self.stack_starts.push(self.stack_frames.len() as u32);
        let Interner {
            hasher,
            stack_table,
            stack_frames,
            stack_starts,
            ..
        } = self;
        stack_table.insert_unique(hash, id, |&id| {
            let (start, end) = (stack_starts[id.index()], stack_starts[id.index() + 1]);
            hasher.hash_one(&stack_frames[start as usize..end as usize])
        });
        id
    }

    /// The frames of `stack`, leaf first.
    pub fn frames_of(&self, stack: StackId) -> &[FrameId] {
        let start = self.stack_starts[stack.index()] as usize;
        let end = self.stack_starts[stack.index() + 1] as usize;
        &self.stack_frames[start..end]
    }

    /// The frame named by `id`.
    pub fn get(&self, id: FrameId) -> &Frame {
        &self.frames[id.index()]
    }

    /// Number of distinct frames.
    pub fn frame_count(&self) -> usize {
        self.frames.len()
    }

    /// Number of distinct stacks, the empty one included.
    pub fn stack_count(&self) -> usize {
        self.stack_starts.len() - 1
    }

    /// The id of a goroutine state (there are a few dozen), adding it if new.
    pub fn state(&mut self, name: &str) -> u32 {
        if let Some(id) = self.states.iter().position(|s| &**s == name) {
            return id as u32;
        }
        self.states.push(name.into());
        self.states.len() as u32 - 1
    }

    /// The id of the state a dump's line names in `bytes` (text that is not
    /// UTF-8 is named with U+FFFD), adding it if new; the text is made once
    /// per distinct spelling, not once a goroutine.
    pub fn state_bytes(&mut self, bytes: &[u8]) -> u32 {
        if let Some(id) = self.state_bytes.get(bytes) {
            return id;
        }
        let id = self.state(&String::from_utf8_lossy(bytes));
        self.state_bytes.insert(bytes, id);
        id
    }

    /// The name of state `id`; empty for 0.
    pub fn state_name(&self, id: u32) -> &str {
        &self.states[id as usize]
    }

    /// The id of the function that created goroutines (`created by FUNC`),
    /// adding it if new; never 0.
    pub fn creator(&mut self, func: &str) -> u32 {
        if let Some(&id) = self.creator_table.get(func) {
            return id;
        }
        let id = u32::try_from(self.creators.len()).expect("fewer than 2^32 creators");
        self.creators.push(func.into());
        self.creator_table.insert(func.into(), id);
        id
    }

    /// The id of the creator a dump's line names in `bytes`, as
    /// [`state_bytes`](Self::state_bytes) does for states.
    pub fn creator_bytes(&mut self, bytes: &[u8]) -> u32 {
        if let Some(id) = self.creator_bytes.get(bytes) {
            return id;
        }
        let id = self.creator(&String::from_utf8_lossy(bytes));
        self.creator_bytes.insert(bytes, id);
        id
    }

    /// The function of creator `id`; empty for 0.
    pub fn creator_name(&self, id: u32) -> &str {
        &self.creators[id as usize]
    }
}

impl Frame {
    /// This frame, borrowed.
    pub fn as_ref(&self) -> FrameRef<'_> {
        FrameRef {
            func: &self.func,
            file: &self.file,
            line: self.line,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(func: &'static str, line: u32) -> FrameRef<'static> {
        FrameRef {
            func: func.as_bytes(),
            file: b"a.go",
            line,
        }
    }

    /// States and creators read as bytes get the ids their text gets, also
    /// when two spellings that are not UTF-8 name the same text.
    #[test]
    fn states_and_creators_by_bytes_share_ids_by_name() {
        let mut interner = Interner::new();
        let chan = interner.state_bytes(b"chan receive");
        assert_eq!(interner.state("chan receive"), chan);
        assert_eq!(interner.state_bytes(b"chan receive"), chan);
        let odd = interner.state_bytes(b"wait\xff");
        assert_eq!(interner.state_bytes(b"wait\xfe"), odd);
        assert_eq!(interner.state_name(odd), "wait\u{fffd}");
        let serve = interner.creator_bytes(b"net/http.(*Server).Serve");
        assert_ne!(serve, 0);
        assert_eq!(interner.creator("net/http.(*Server).Serve"), serve);
        let odd = interner.creator_bytes(b"main.\xff");
        assert_eq!(interner.creator("main.\u{fffd}"), odd);
        assert_eq!(interner.creator_bytes(b"main.\xc0"), odd);
    }

    #[test]
    fn equal_frames_and_stacks_share_ids() {
        let mut interner = Interner::new();
        let a = interner.frame(frame("main.a", 1));
        let b = interner.frame(frame("main.b", 2));
        assert_eq!(interner.frame(frame("main.a", 1)), a);
        assert_ne!(interner.frame(frame("main.a", 2)), a);
        let ab = interner.stack(&[a, b]);
        assert_eq!(interner.stack(&[a, b]), ab);
        assert_ne!(interner.stack(&[b, a]), ab);
        assert_eq!(interner.stack(&[]), StackId::EMPTY);
        assert_eq!(interner.frames_of(ab), &[a, b]);
        assert_eq!(&*interner.get(b).func, b"main.b");
        assert_eq!((interner.frame_count(), interner.stack_count()), (3, 3));
    }

    #[test]
    fn many_stacks_stay_distinct() {
        let mut interner = Interner::new();
        let frames: Vec<FrameId> = (0..50).map(|i| interner.frame(frame("f", i))).collect();
        let ids: Vec<StackId> = (1..50).map(|n| interner.stack(&frames[..n])).collect();
        for (n, id) in (1..50).zip(&ids) {
            assert_eq!(interner.stack(&frames[..n]), *id);
            assert_eq!(interner.frames_of(*id).len(), n);
        }
    }
}
