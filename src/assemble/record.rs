//! One record's lines turned into an interned stack, through a cache.
//!
//! Records repeat from snapshot to snapshot in a real log, byte for byte
//! except their count. The text after the count (the `@` addresses and the
//! frame lines) is the cache key: a repeat costs one hash and one compare, and
//! its frames are parsed only the first time. Labels are not part of the key:
//! they change from snapshot to snapshot in real programs (job ids), and would
//! make the cache grow with the log.
//!
//! The keys are whole record texts, ten times the size of the interned stack
//! they stand for, so the cache holds at most [`CACHE_BYTES`] of them and
//! starts over when full. A log whose repeated records fit (every ordinary
//! one: a few thousand distinct records) parses each once; a log of more
//! distinct stacks than fit parses some records again, which costs no more
//! than having no cache, and its memory stays that of the interned stacks.

use std::hash::BuildHasher;

use foldhash::fast::FixedState;
use hashbrown::HashTable;

use crate::input::frame::parse_frame;
use crate::model::{DEPTH_LIMITS, FrameId, FrameRef, Interner, StackId};

/// How many bytes the cache's entries may take (keys and entries) before it
/// starts over: about 5,000 records of 1.5 KB.
pub const CACHE_BYTES: usize = 8 << 20;

/// The record being read: its count, labels and stack text. Its buffers
/// are reused from record to record.
#[derive(Default)]
pub struct RecordBuilder {
    /// The count from the `@` line.
    pub count: u64,
    /// All the record's values (see `Record::values`).
    pub values: [u64; 4],
    /// The `{...}` text of its labels line, if any.
    pub labels: Vec<u8>,
    /// The addresses, then each frame line's text, each ended by `\n`.
    block: Vec<u8>,
    /// Number of frame lines so far.
    pub frames: u32,
}

impl RecordBuilder {
    /// Starts a record from its `@` line.
    pub fn begin(&mut self, count: u64, addrs: &[u8], keep_text: bool) {
        self.count = count;
        self.labels.clear();
        self.block.clear();
        self.frames = 0;
        if keep_text {
            self.block.extend_from_slice(addrs);
            self.block.push(b'\n');
        }
    }

    /// Adds a frame line's text (after `#`).
    pub fn push_frame(&mut self, text: &[u8], keep_text: bool) {
        self.frames += 1;
        if keep_text {
            self.block.extend_from_slice(text);
            self.block.push(b'\n');
        }
    }

    /// The record's stack text, the cache key.
    pub fn block(&self) -> &[u8] {
        &self.block
    }
}

/// What a record's text resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// The interned stack, leaf first.
    pub stack: StackId,
    /// True when the runtime cut the stack at its depth limit.
    pub truncated: bool,
}

struct Entry {
    key: Box<[u8]>,
    resolved: Resolved,
}

/// Record text → stack, so that repeated records are not parsed again.
pub struct StackCache {
    hasher: FixedState,
    table: HashTable<Entry>,
    /// What the entries take, as counted against `limit`.
    bytes: usize,
    limit: usize,
    scratch: Vec<FrameId>,
}

impl Default for StackCache {
    fn default() -> StackCache {
        StackCache::with_limit(CACHE_BYTES)
    }
}

impl StackCache {
    /// A cache whose entries take at most `limit` bytes.
    pub fn with_limit(limit: usize) -> StackCache {
        StackCache {
            hasher: FixedState::default(),
            table: HashTable::new(),
            bytes: 0,
            limit,
            scratch: Vec::new(),
        }
    }

    /// The stack of the record whose text is `block` (see [`RecordBuilder::block`]).
    pub fn resolve(&mut self, block: &[u8], interner: &mut Interner) -> Resolved {
        let hash = self.hasher.hash_one(block);
        if let Some(entry) = self.table.find(hash, |e| &*e.key == block) {
            return entry.resolved;
        }
        let resolved = parse_block(block, interner, &mut self.scratch);
        let size = block.len() + std::mem::size_of::<Entry>();
        if self.bytes + size > self.limit {
            // Full: start over rather than track which entries are still in use.
            self.table.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        let hasher = &self.hasher;
        self.table.insert_unique(
            hash,
            Entry {
                key: block.into(),
                resolved,
            },
            |e| hasher.hash_one(&*e.key),
        );
        resolved
    }

    /// Number of distinct record texts seen.
    #[cfg(test)]
    fn distinct(&self) -> usize {
        self.table.len()
    }
}

/// Parses a record's text: addresses on the first line, then frame lines.
fn parse_block(block: &[u8], interner: &mut Interner, frames: &mut Vec<FrameId>) -> Resolved {
    frames.clear();
    let mut lines = block.split(|&b| b == b'\n');
    let addrs = lines.next().unwrap_or_default();
    let mut last_frame_addr = None;
    for text in lines.filter(|l| !l.is_empty()) {
        // The classifier let only well-formed frame lines through.
        let Some(parts) = parse_frame(text) else {
            continue;
        };
        last_frame_addr = parse_hex(parts.addr);
        let func = if parts.func.is_empty() {
            parts.addr
        } else {
            parts.func
        };
        frames.push(interner.frame(FrameRef {
            func,
            file: parts.file,
            line: parts.line,
        }));
    }
    let pcs: Vec<&[u8]> = addrs
        .split(|&b| b == b' ')
        .filter(|a| !a.is_empty() && *a != b"0x0")
        .collect();
    // A record without frame lines (`1 @ 0x493b61`: a goroutine not started
    // yet) has an empty stack, which outputs name `[no frames]`: its
    // addresses name nothing without the binary.
    let frameless = frames.is_empty();
    // A stack that reached the depth limit was cut when its root-most PC is a
    // visible frame; a complete stack ends in runtime.goexit, which debug=1
    // hides (a `#` address is its `@` address minus 1).
    let root_visible = match (pcs.last().and_then(|pc| parse_hex(pc)), last_frame_addr) {
        _ if frameless => true,
        (Some(pc), Some(frame)) => pc.wrapping_sub(1) == frame,
        _ => false,
    };
    let truncated = DEPTH_LIMITS.contains(&pcs.len()) && root_visible;
    Resolved {
        stack: interner.stack(frames),
        truncated,
    }
}

fn parse_hex(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"0x")?;
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(
        cache: &mut StackCache,
        interner: &mut Interner,
        addrs: &str,
        frames: &[&str],
    ) -> Resolved {
        let mut record = RecordBuilder::default();
        record.begin(1, addrs.as_bytes(), true);
        for f in frames {
            record.push_frame(f.as_bytes(), true);
        }
        cache.resolve(record.block(), interner)
    }

    fn funcs(interner: &Interner, stack: StackId) -> Vec<String> {
        let frames = interner.frames_of(stack);
        frames
            .iter()
            .map(|&f| String::from_utf8_lossy(&interner.get(f).func).into_owned())
            .collect()
    }

    #[test]
    fn frames_leaf_first_and_cached() {
        let mut cache = StackCache::default();
        let mut interner = Interner::new();
        let frames = [
            "\t0x2\tmain.leaf+0x1\t/a.go:1",
            "\t0x4\tmain.root+0x1\t/a.go:2",
        ];
        let a = resolve(&mut cache, &mut interner, "0x3 0x5 0x9", &frames);
        assert_eq!(funcs(&interner, a.stack), ["main.leaf", "main.root"]);
        assert!(!a.truncated);
        let again = resolve(&mut cache, &mut interner, "0x3 0x5 0x9", &frames);
        assert_eq!(again, a);
        assert_eq!(cache.distinct(), 1);
        // Same frames at other addresses (another build): another key, same stack.
        let moved = resolve(&mut cache, &mut interner, "0x13 0x15 0x19", &frames);
        assert_eq!(moved.stack, a.stack);
    }

    #[test]
    fn a_full_cache_starts_over_and_still_resolves() {
        let mut cache = StackCache::with_limit(200);
        let mut interner = Interner::new();
        let frames = |n: usize| [format!("\t0x{n:x}\tmain.f{n}+0x1\t/a.go:{n}")];
        let first: Vec<Resolved> = (1..20)
            .map(|n| resolve(&mut cache, &mut interner, "0x1", &[frames(n)[0].as_str()]))
            .collect();
        assert!(cache.distinct() < 19, "entries were dropped");
        assert!(cache.bytes <= 200);
        for (n, expected) in (1..20).zip(&first) {
            let again = resolve(&mut cache, &mut interner, "0x1", &[frames(n)[0].as_str()]);
            assert_eq!(again, *expected);
        }
        assert_eq!(interner.stack_count(), 20);
    }

    #[test]
    fn record_without_frames_has_an_empty_stack() {
        let mut cache = StackCache::default();
        let mut interner = Interner::new();
        let r = resolve(&mut cache, &mut interner, "0x493b61", &[]);
        assert_eq!(r.stack, StackId::EMPTY);
        let empty = resolve(&mut cache, &mut interner, "", &[]);
        assert_eq!(empty.stack, StackId::EMPTY);
        let zero = resolve(&mut cache, &mut interner, "0x0 0x0", &["\t0x0"]);
        assert_eq!(funcs(&interner, zero.stack), ["0x0"]);
    }

    #[test]
    fn depth_limit_means_truncated_only_when_root_is_visible() {
        let mut cache = StackCache::default();
        let mut interner = Interner::new();
        let deep = |n: usize, root: &str| {
            let mut pcs: Vec<String> = (0..n - 1).map(|i| format!("0x{:x}", 0x100 + i)).collect();
            pcs.push(root.to_string());
            pcs.join(" ")
        };
        let frame = ["\t0x6b9d7b\tmain.rec+0x3b\t/c.go:28"];
        for n in [32, 128] {
            let cut = resolve(&mut cache, &mut interner, &deep(n, "0x6b9d7c"), &frame);
            assert!(cut.truncated, "{n} PCs ending in a visible frame");
            let whole = resolve(&mut cache, &mut interner, &deep(n, "0x493b61"), &frame);
            assert!(!whole.truncated, "{n} PCs ending in goexit");
        }
        let short = resolve(&mut cache, &mut interner, &deep(31, "0x6b9d7c"), &frame);
        assert!(!short.truncated);
        let padded = format!("0x1 0x2{}", " 0x0".repeat(30));
        assert!(!resolve(&mut cache, &mut interner, &padded, &["\t0x0"]).truncated);
    }
}
