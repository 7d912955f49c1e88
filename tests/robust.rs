//! Robustness: property tests over random, mutated and truncated input, read
//! in chunks of every size.
//!
//! What must hold for any bytes: no panic; the same output (each snapshot's
//! JSON, original bytes and first line, the final statistics and interner
//! size, or the same error) whatever the size of the reads; and snapshots that
//! make sense (complete means the counts reach the total, indices count up,
//! original bytes come from the input in order). Fixtures are the real Go logs
//! under `tests/fixtures/`.
//!
//! Failing cases are not persisted to a regressions file; proptest prints the
//! minimal input (as an escaped byte string), and `PROPTEST_RNG_SEED=N` replays
//! a run. Bugs found this way get a plain `#[test]` with their minimal input.

use std::fmt;
use std::io::{self, Read};
use std::sync::LazyLock;

use parseprof::Error;
use parseprof::assemble::{Assembler, Consumer, Detail, Options, Stats};
use parseprof::input::line::{DEFAULT_CAPACITY, DEFAULT_MAX_LINE, LineReader};
use parseprof::input::timestamp::Timestamp;
use parseprof::model::json::SnapshotJson;
use parseprof::model::{Interner, Sample, Snapshot, Status};
use parseprof::output::split::render_text;
use parseprof::pipeline::feed_lines;
use proptest::prelude::*;
use proptest::sample::Index;

/// The main case: 50 snapshots, about 1 MB.
const SHOP: &[u8] = include_bytes!("fixtures/go1.27/shop/prof.log");
/// The steady service under Go 1.19: 40 snapshots.
const BATCH: &[u8] = include_bytes!("fixtures/go1.19/batch/prof.log");

/// Every fixture a slice may be cut from.
const FIXTURES: &[&[u8]] = &[
    SHOP,
    BATCH,
    include_bytes!("fixtures/go1.27/shop/prof-truncated.log"),
    include_bytes!("fixtures/go1.27/shop/prof-restart.log"),
    include_bytes!("fixtures/go1.27/shop/prof-iso.log"),
    include_bytes!("fixtures/go1.27/shop/prof-epoch.log"),
    include_bytes!("fixtures/go1.27/shop/prof-error-body.log"),
    include_bytes!("fixtures/go1.27/shop/snapshots/goroutine-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/snapshots/goroutineleak-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/snapshots/threadcreate-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/urls/index.body"),
    include_bytes!("fixtures/go1.27/shop/urls/mutex-debug1.body"),
    include_bytes!("fixtures/go1.19/shop/snapshots/goroutine-debug1.txt"),
    include_bytes!("fixtures/go1.19/shop/snapshots/threadcreate-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/prof-debug2.log"),
    include_bytes!("fixtures/go1.27/shop/snapshots/goroutine-debug2.txt"),
    include_bytes!("fixtures/go1.27/shop/snapshots/heap-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/snapshots/block-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/snapshots/mutex-debug1.txt"),
    include_bytes!("fixtures/go1.27/shop/dumps/sigquit-gotraceback-all.txt"),
    include_bytes!("fixtures/go1.19/batch/snapshots/goroutine-debug2.txt"),
    include_bytes!("fixtures/go1.19/batch/snapshots/allocs-debug1.txt"),
    include_bytes!("fixtures/go1.19/batch/snapshots/mutex-debug1.txt"),
    include_bytes!("fixtures/go1.19/batch/dumps/panic-gotraceback-all.txt"),
    include_bytes!("fixtures/go1.19/batch/dumps/sigquit-gotraceback-all.txt"),
];

/// Pieces of profile-ish text that random input is assembled from.
const TOKENS: &[&[u8]] = &[
    b"goroutine profile: total 3\n",
    b"goroutine profile: total 0\n",
    b"threadcreate profile: total 1\n",
    b"goroutine profile: total 18446744073709551615\n",
    b"goroutine profile: total ",
    b"1 @ 0x1 0x2\n",
    b"2 @ 0x48c9ea 0x493b61\n",
    b"1 @\n",
    b"1 @ 0x0 0x0\n",
    b"18446744073709551615 @ 0x1\n",
    b"99999999999999999999 @ 0x1\n",
    b"1 @ ",
    b"#\t0x1\tmain.f+0x1\t/a.go:1\n",
    b"#\t0x48c9e9\truntime.gopark+0xc9\t\t/usr/local/go/src/runtime/proc.go:461\n",
    b"#\t0x0\n",
    b"#\t0x",
    b"#\t",
    b"# labels: {\"a\":\"b\"}\n",
    b"# labels: {\"k\":\"\\x41\\u00e9\", \"z\":\"\\\"\"}\n",
    b"# labels: {\"broken\n",
    b"#\t0x1\tmain.f+0x1\t/a.goFri Nov 27 15:13:27 IST 2026\n",
    b"heap profile: 3: 1280 [67: 13766480] @ heap/1048576\n",
    b"heap profile: 1: 16 [2: 32] @ heap/1048576\n",
    b"1: 16 [2: 32] @ 0x1 0x2\n",
    b"0: 0 [1: 176] @ 0x1\n",
    b"# runtime.MemStats\n",
    b"# Alloc = 123\n",
    b"--- contention:\n",
    b"--- mutex:\n",
    b"cycles/second=2596122118\n",
    b"sampling period=1\n",
    b"100 2 @ 0x1 0x2\n",
    b"goroutine 1 [running]:\n",
    b"goroutine 7 gp=0xc000007a40 m=nil [chan receive, 1 minutes]:\n",
    b"goroutine 2 [select, locked to thread]:\n",
    b"main.main()\n",
    b"main.f(0x1, {0x2, 0x3})\n",
    b"main.g(...)\n",
    b"\t/a/main.go:10 +0x1d\n",
    b"\t/a/main.go:11 +0x1d fp=0xc0000 sp=0xc0000 pc=0x4\n",
    b"created by main.main in goroutine 1\n",
    b"created by main.main\n",
    b"...additional frames elided...\n",
    b"...51 frames elided...\n",
    b"SIGQUIT: quit\n",
    b"panic: boom\n",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"Fri Nov 27 15:13:27 IST 2026\n",
    b"Thu Jan  1 00:00:00 1970\n",
    b"2026-11-27T15:14:40+05:30\n",
    b"Fri, 27 Nov 2026 15:13:27 +0530\n",
    b"1795772723\n",
    b"1795772723.5\n",
    b"Unknown profile\n",
    b"seconds and debug params are incompatible\n",
    b"curl: (7) Failed to connect\n",
    b"<html>\n",
    b"</html>\n",
    b"{\"status\":\"complete\"}\n",
    b"{\"status\":\"partial\",\"kind\":\"goroutine\",\"total\":2,\"records\":[{\"count\":1,\"frames\":[{\"func\":\"f\"}]}]}\n",
    b"{\"status\":\"bogus\"}\n",
    b"{\"index\":",
    b"\xff\xfe",
    b"\t",
    b" ",
];

/// The name the input goes by in messages.
const NAME: &str = "robust";

// ---------------------------------------------------------------------------
// Running the pipeline and recording what it does
// ---------------------------------------------------------------------------

/// What the consumer saw of one snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Seen {
    /// The snapshot as `pp-split` writes it.
    json: String,
    /// Its original bytes.
    raw: Vec<u8>,
    /// Its first input line.
    line: u64,
    index: u64,
    status: Status,
    total: Option<u64>,
    /// The sum of its records' counts, without overflow.
    counted: u128,
    records: usize,
    has_time: bool,
    has_error: bool,
    has_kind: bool,
    sample: Sample,
}

/// A consumer that records every snapshot.
#[derive(Default)]
struct Recorder {
    seen: Vec<Seen>,
}

impl Consumer for Recorder {
    fn snapshot(&mut self, snapshot: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let json = serde_json::to_string(&SnapshotJson { snapshot, interner })
            .expect("a snapshot serializes");
        self.seen.push(Seen {
            json,
            raw: snapshot.raw.clone(),
            line: snapshot.line,
            index: snapshot.index,
            status: snapshot.status,
            total: snapshot.total,
            counted: snapshot.records.iter().map(|r| u128::from(r.count)).sum(),
            records: snapshot.records.len(),
            has_time: snapshot.time.is_some(),
            has_error: snapshot.error.is_some(),
            has_kind: !snapshot.kind.is_empty(),
            sample: snapshot.sample,
        });
        Ok(())
    }
}

/// Everything one run produced.
#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    snapshots: Vec<Seen>,
    stats: Stats,
    frames: usize,
    stacks: usize,
    /// The error that stopped the run, as the user would read it.
    error: Option<String>,
}

/// How the input is cut into reads.
#[derive(Debug, Clone, Copy)]
enum Chunking {
    /// A plain slice reader behind a line reader of this capacity.
    Capacity(usize),
    /// A [`Pipe`] of reads of 1..=`max_read` bytes (and interruptions)
    /// behind a line reader of `capacity`.
    Pipe {
        capacity: usize,
        max_read: usize,
        seed: u64,
    },
}

/// The chunking the binaries use.
const DEFAULT: Chunking = Chunking::Capacity(DEFAULT_CAPACITY);
/// One byte per `read` call, whatever the buffer: every boundary is hit.
const BYTEWISE: Chunking = Chunking::Pipe {
    capacity: 1,
    max_read: 1,
    seed: 1,
};

/// Options with the raw bytes kept.
fn options(detail: Detail, strict: bool) -> Options {
    let mut options = Options::default();
    options.detail = detail;
    options.keep_raw = true;
    options.strict = strict;
    options
}

fn run(input: &[u8], chunking: Chunking, options: Options) -> Outcome {
    run_limited(input, chunking, DEFAULT_MAX_LINE, options)
}

/// Feeds `input` through the pipeline as one source and records everything.
fn run_limited(input: &[u8], chunking: Chunking, max_line: usize, options: Options) -> Outcome {
    let mut assembler = Assembler::new(options);
    let mut recorder = Recorder::default();
    let result = match chunking {
        Chunking::Capacity(capacity) => {
            let lines = LineReader::with_capacity(input, capacity, max_line);
            feed_lines(lines, NAME, &mut assembler, &mut recorder)
        }
        Chunking::Pipe {
            capacity,
            max_read,
            seed,
        } => {
            let lines =
                LineReader::with_capacity(Pipe::new(input, max_read, seed), capacity, max_line);
            feed_lines(lines, NAME, &mut assembler, &mut recorder)
        }
    };
    Outcome {
        snapshots: recorder.seen,
        stats: assembler.stats().clone(),
        frames: assembler.interner().frame_count(),
        stacks: assembler.interner().stack_count(),
        error: result.err().map(|e| e.to_string()),
    }
}

/// A reader that behaves like a pipe: reads of random sizes from 1 to
/// `max_read` bytes, and now and then `Interrupted`, which callers must retry.
/// Never a 0-byte read before the end: that means end of input.
struct Pipe<'a> {
    rest: &'a [u8],
    max_read: usize,
    state: u64,
}

impl<'a> Pipe<'a> {
    fn new(input: &'a [u8], max_read: usize, seed: u64) -> Pipe<'a> {
        Pipe {
            rest: input,
            max_read: max_read.max(1),
            state: seed,
        }
    }

    /// splitmix64: reproducible from the seed, no dependency.
    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Read for Pipe<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // A 0-byte read would be taken for the end of input.
        assert!(!buf.is_empty(), "the line reader asked for a 0-byte read");
        if self.rest.is_empty() {
            return Ok(0);
        }
        let random = self.next();
        if random.is_multiple_of(7) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = (1 + (random >> 32) as usize % self.max_read)
            .min(buf.len())
            .min(self.rest.len());
        buf[..n].copy_from_slice(&self.rest[..n]);
        self.rest = &self.rest[n..];
        Ok(n)
    }
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// Input bytes, shown as an escaped byte string when proptest reports them.
#[derive(Clone)]
struct Bytes(Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\" ({} bytes)", self.0.escape_ascii(), self.0.len())
    }
}

/// Arbitrary bytes, up to 4 KiB.
fn random_bytes() -> impl Strategy<Value = Bytes> {
    prop::collection::vec(any::<u8>(), 0..4096).prop_map(Bytes)
}

/// Profile-ish tokens in random order, with a little random binary between.
fn token_bytes() -> impl Strategy<Value = Bytes> {
    let piece = prop_oneof![
        8 => prop::sample::select(TOKENS).prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 1..8),
    ];
    prop::collection::vec(piece, 0..160).prop_map(|pieces| Bytes(pieces.concat()))
}

/// Either kind of random input.
fn any_input() -> impl Strategy<Value = Bytes> {
    prop_oneof![random_bytes(), token_bytes()]
}

/// A slice of up to `max_len` bytes of a fixture, often from its start.
fn fixture_slice(max_len: usize) -> impl Strategy<Value = Bytes> {
    let start = prop_oneof![1 => Just(None), 2 => any::<Index>().prop_map(Some)];
    (prop::sample::select(FIXTURES), start, 0..=max_len).prop_map(|(fixture, start, len)| {
        let from = start.map_or(0, |at| at.index(fixture.len()));
        let to = (from + len).min(fixture.len());
        Bytes(fixture[from..to].to_vec())
    })
}

/// The first bytes of a fixture, up to `max_len`.
fn fixture_prefix(max_len: usize) -> impl Strategy<Value = Bytes> {
    (prop::sample::select(FIXTURES), 0..=max_len)
        .prop_map(|(fixture, len)| Bytes(fixture[..len.min(fixture.len())].to_vec()))
}

/// The first K bytes of `fixture`, K anything from 0 to its length.
fn prefix_of(fixture: &'static [u8]) -> impl Strategy<Value = &'static [u8]> {
    any::<Index>().prop_map(move |k| &fixture[..k.index(fixture.len() + 1)])
}

/// Five cuts of the same input besides the default: capacity 1 and 7, a
/// random capacity, a random pipe, and one byte per read.
fn chunkings() -> impl Strategy<Value = [Chunking; 5]> {
    (1usize..=4096, 1usize..=64, 1usize..=64, any::<u64>()).prop_map(
        |(capacity, pipe_capacity, max_read, seed)| {
            [
                Chunking::Capacity(1),
                Chunking::Capacity(7),
                Chunking::Capacity(capacity),
                Chunking::Pipe {
                    capacity: pipe_capacity,
                    max_read,
                    seed,
                },
                BYTEWISE,
            ]
        },
    )
}

fn any_options() -> impl Strategy<Value = Options> {
    (any::<bool>(), any::<bool>()).prop_map(|(counts, strict)| {
        let detail = if counts {
            Detail::Counts
        } else {
            Detail::Stacks
        };
        options(detail, strict)
    })
}

/// One edit of the input.
#[derive(Debug, Clone)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    Flip(Index, u8),
    /// Delete up to n bytes.
    Delete(Index, usize),
    /// Repeat up to n bytes right after themselves.
    Duplicate(Index, usize),
    /// Insert one byte (`\n`, `\r` or NUL).
    Insert(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 1u8..=255).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (any::<Index>(), 1usize..300).prop_map(|(at, n)| Mutation::Delete(at, n)),
        (any::<Index>(), 1usize..300).prop_map(|(at, n)| Mutation::Duplicate(at, n)),
        (any::<Index>(), prop::sample::select(&b"\n\r\0"[..]))
            .prop_map(|(at, b)| Mutation::Insert(at, b)),
    ]
}

/// A slice of a fixture with 1 to 11 random edits.
fn mutated_fixture() -> impl Strategy<Value = Bytes> {
    let mutations = prop::collection::vec(mutation(), 1..12);
    (fixture_slice(24 * 1024), mutations).prop_map(|(Bytes(mut bytes), mutations)| {
        for mutation in &mutations {
            mutate(&mut bytes, mutation);
        }
        Bytes(bytes)
    })
}

fn mutate(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match *mutation {
        Mutation::Insert(at, byte) => bytes.insert(at.index(len + 1), byte),
        _ if len == 0 => {}
        Mutation::Flip(at, mask) => bytes[at.index(len)] ^= mask,
        Mutation::Delete(at, n) => {
            let from = at.index(len);
            bytes.drain(from..(from + n).min(len));
        }
        Mutation::Duplicate(at, n) => {
            let from = at.index(len);
            let to = (from + n).min(len);
            let copy = bytes[from..to].to_vec();
            bytes.splice(to..to, copy);
        }
    }
}

// ---------------------------------------------------------------------------
// Checks
// ---------------------------------------------------------------------------

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        failure_persistence: None,
        // Shrinking a 1 MB input in a debug build must end some time.
        max_shrink_time: 120_000,
        ..ProptestConfig::default()
    }
}

/// The input's lines with their terminators, numbered from 1 like the reader's.
fn lines_of(input: &[u8]) -> Vec<&[u8]> {
    input.split_inclusive(|&b| b == b'\n').collect()
}

/// What must hold for every run over `input`, whatever it is: indices count
/// up, statistics count every snapshot, a status agrees with the content, and
/// the original bytes are pieces of the input, in order, each used once.
fn check_snapshots(input: &[u8], outcome: &Outcome) -> Result<(), TestCaseError> {
    let mut by_status = [0u64; 4];
    for (n, s) in outcome.snapshots.iter().enumerate() {
        prop_assert_eq!(s.index, n as u64, "indices count up from 0");
        by_status[s.status as usize] += 1;
        if s.raw.is_empty() {
            // Read from a pp-split JSON line: the status is the line's to tell.
            continue;
        }
        match s.status {
            Status::Complete if s.sample == Sample::Count => prop_assert_eq!(
                s.total.map(u128::from),
                Some(s.counted),
                "complete snapshot {} must count up to its total",
                n
            ),
            Status::Complete | Status::Partial => {
                prop_assert!(s.has_kind, "snapshot {n} with a profile has its kind")
            }
            Status::Missing => prop_assert!(
                s.records == 0 && s.total.is_none() && s.has_time,
                "missing {n} has a time and nothing else"
            ),
            Status::Error => {
                prop_assert!(s.records == 0 && s.has_error, "error {n} has its message")
            }
        }
    }
    let by_status_ok = outcome.stats.by_status == by_status;
    prop_assert!(by_status_ok, "statistics count every snapshot");
    check_raws(input, outcome).map_err(TestCaseError::fail)
}

/// The input's lines with their terminators, each split where a timestamp
/// was glued to a cut-off line (`...serFri Nov 27 15:14:19 IST 2026`), as
/// the assembler splits them; with the number of the line each comes from.
fn pieces_of(input: &[u8]) -> Vec<(u64, &[u8])> {
    fn split<'a>(text: &[u8], raw: &'a [u8], number: u64, out: &mut Vec<(u64, &'a [u8])>) {
        match Timestamp::find_glued(text) {
            Some(at) => {
                split(&text[..at], &raw[..at], number, out);
                split(&text[at..], &raw[at..], number, out);
            }
            None => out.push((number, raw)),
        }
    }
    let mut pieces = Vec::new();
    for (number, raw) in (1..).zip(lines_of(input)) {
        let mut text = raw.strip_suffix(b"\n").unwrap_or(raw);
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        split(text, raw, number, &mut pieces);
    }
    pieces
}

/// Takes the pieces from `first` on that `raw` is made of, greedily, up to
/// `last_line`: what is left of `raw`, and the first piece not taken.
fn take_pieces<'a>(
    pieces: &[(u64, &[u8])],
    first: usize,
    last_line: u64,
    raw: &'a [u8],
) -> (&'a [u8], usize) {
    let mut rest = raw;
    let mut next = first;
    for (at, &(number, piece)) in pieces.iter().enumerate().skip(first) {
        if rest.is_empty() || number > last_line {
            break;
        }
        // Lines end at their first newline, and a piece without one is
        // followed by its line's other piece, so taking each matching
        // piece greedily finds the subsequence if there is one.
        if rest.starts_with(piece) {
            rest = &rest[piece.len()..];
            next = at + 1;
        }
    }
    (rest, next)
}

/// Checks that each snapshot's original bytes are a piece of its first line,
/// then some of the pieces after it (the others were skipped as unknown), and
/// that no piece is used twice.
fn check_raws(input: &[u8], outcome: &Outcome) -> Result<(), String> {
    let pieces = pieces_of(input);
    // The first piece no snapshot has used yet.
    let mut unused = 0;
    for (n, s) in outcome.snapshots.iter().enumerate() {
        let starts = |&(number, piece): &(u64, &[u8])| {
            let json = s.raw.is_empty() && piece.starts_with(b"{");
            number == s.line && (json || (!piece.is_empty() && s.raw.starts_with(piece)))
        };
        // Pieces may be taken up to the next snapshot's first line.
        let last_line = outcome
            .snapshots
            .get(n + 1)
            .map_or(u64::MAX, |next| next.line);
        // Several pieces of the first line may start the bytes (a cut piece
        // `F` and the glued `Fri Nov ...` after it): try each, in order.
        let candidates: Vec<usize> = (unused..pieces.len())
            .filter(|&i| starts(&pieces[i]))
            .collect();
        if candidates.is_empty() {
            let raw = s.raw.escape_ascii().to_string();
            return Err(format!(
                "snapshot {n}: no unused piece of line {} starts its original bytes {raw:?}",
                s.line
            ));
        }
        let mut found = None;
        let mut left = Vec::new();
        for &first in &candidates {
            let (rest, next) = take_pieces(&pieces, first, last_line, &s.raw);
            if rest.is_empty() {
                found = Some(if s.raw.is_empty() { first + 1 } else { next });
                break;
            }
            left = rest.to_vec();
        }
        match found {
            Some(next) => unused = next,
            None => {
                let lines = format!("lines {}..={}", s.line, last_line.min(pieces.len() as u64));
                let rest = left.escape_ascii().to_string();
                return Err(format!(
                    "snapshot {n}: original bytes not from {lines}: {rest:?}"
                ));
            }
        }
    }
    Ok(())
}

/// The JSON of each snapshot without what depends on [`Detail`] (frames and
/// the truncation mark), plus its original bytes and first line.
fn without_stacks(outcome: &Outcome) -> Vec<(serde_json::Value, Vec<u8>, u64)> {
    let strip = |s: &Seen| {
        let mut value: serde_json::Value = serde_json::from_str(&s.json).unwrap();
        for record in value["records"].as_array_mut().unwrap() {
            let record = record.as_object_mut().unwrap();
            record.remove("frames");
            record.remove("truncated");
        }
        (value, s.raw.clone(), s.line)
    };
    outcome.snapshots.iter().map(strip).collect()
}

fn jsons(outcome: &Outcome) -> Vec<&str> {
    outcome.snapshots.iter().map(|s| s.json.as_str()).collect()
}

/// The same input gives the same outcome at the default chunking and at each of `chunkings`.
fn check_chunkings(
    input: &[u8],
    chunkings: &[Chunking],
    options: Options,
) -> Result<Outcome, TestCaseError> {
    let expected = run(input, DEFAULT, options.clone());
    for &chunking in chunkings {
        let got = run(input, chunking, options.clone());
        prop_assert!(
            got == expected,
            "{:?} changes the output:\n{}",
            chunking,
            first_difference(&expected, &got)
        );
    }
    Ok(expected)
}

/// A short account of where two outcomes part (their Debug forms are huge).
fn first_difference(expected: &Outcome, got: &Outcome) -> String {
    let pairs = expected.snapshots.iter().zip(&got.snapshots);
    if let Some((n, (e, g))) = pairs.enumerate().find(|(_, (e, g))| e != g) {
        return format!("snapshot {n}:\n expected {e:?}\n      got {g:?}");
    }
    format!(
        "{} vs {} snapshots; stats {:?} vs {:?}; frames {} vs {}; stacks {} vs {}; error {:?} vs {:?}",
        expected.snapshots.len(),
        got.snapshots.len(),
        expected.stats,
        got.stats,
        expected.frames,
        got.frames,
        expected.stacks,
        got.stacks,
        expected.error,
        got.error
    )
}

/// `input` without its lines that start with `{` (pp-split JSON lines).
fn without_json_lines(input: &[u8]) -> Vec<u8> {
    lines_of(input)
        .into_iter()
        .filter(|l| !l.starts_with(b"{"))
        .flatten()
        .copied()
        .collect()
}

/// What `pp-split --text` writes for `input`, and the run that wrote it.
fn text_of(input: &[u8]) -> (Vec<u8>, Outcome) {
    /// Renders each snapshot as text besides recording it.
    struct Text(Vec<u8>, Recorder);
    impl Consumer for Text {
        fn snapshot(&mut self, snapshot: &Snapshot, interner: &Interner) -> Result<(), Error> {
            render_text(snapshot, interner, &mut self.0);
            self.1.snapshot(snapshot, interner)
        }
    }
    let mut assembler = Assembler::new(options(Detail::Stacks, false));
    let mut text = Text(Vec::new(), Recorder::default());
    let result = feed_lines(LineReader::new(input), NAME, &mut assembler, &mut text);
    let outcome = Outcome {
        snapshots: text.1.seen,
        stats: assembler.stats().clone(),
        frames: assembler.interner().frame_count(),
        stacks: assembler.interner().stack_count(),
        error: result.err().map(|e| e.to_string()),
    };
    (text.0, outcome)
}

/// The default `date` shape, `Fri Nov 27 15:13:27 IST 2026` (days padded with
/// a space), checked column by column: independent of the parser under test.
fn is_date_line(line: &[u8]) -> bool {
    const SHAPE: &[u8] = b"Aaa Aaa _9 99:99:99 AAA 9999";
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.len() == SHAPE.len()
        && line.iter().zip(SHAPE).all(|(&b, &shape)| match shape {
            b'A' => b.is_ascii_uppercase(),
            b'a' => b.is_ascii_lowercase(),
            b'9' => b.is_ascii_digit(),
            b'_' => b == b' ' || b.is_ascii_digit(),
            _ => b == shape,
        })
}

/// The whole main log read at the default chunking, once for all tests.
static SHOP_OUTCOME: LazyLock<Outcome> =
    LazyLock::new(|| run(SHOP, DEFAULT, options(Detail::Stacks, false)));

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(256))]

    /// Property 1: random bytes and random profile-ish text never panic, in
    /// any mode, and strict, counts-only and no-raw runs agree with the
    /// default one where they should.
    #[test]
    fn bad_input_never_panics(input in any_input()) {
        let input = &input.0[..];
        let lenient = run(input, DEFAULT, options(Detail::Stacks, false));
        prop_assert_eq!(&lenient.error, &None);

        // Strict: the same, or an error at the first unknown line, after the same snapshots.
        let strict = run(input, DEFAULT, options(Detail::Stacks, true));
        prop_assert_eq!(strict.stats.unknown_lines, 0);
        if strict.error.is_none() {
            prop_assert_eq!(lenient.stats.unknown_lines, 0);
            prop_assert_eq!(&strict.snapshots, &lenient.snapshots);
        } else {
            prop_assert!(lenient.stats.unknown_lines > 0, "strict: {:?}", strict.error);
            prop_assert!(lenient.snapshots.starts_with(&strict.snapshots));
        }

        // Counts only: the same snapshots but for their stacks.
        let counts = run(input, DEFAULT, options(Detail::Counts, false));
        prop_assert_eq!(without_stacks(&counts), without_stacks(&lenient));
        prop_assert_eq!(&counts.stats, &lenient.stats);
        let strict_counts = run(input, DEFAULT, options(Detail::Counts, true));
        prop_assert_eq!(&strict_counts.error, &strict.error);

        // Without the raw bytes: the same JSON.
        let mut no_raw = options(Detail::Stacks, false);
        no_raw.keep_raw = false;
        let no_raw = run(input, DEFAULT, no_raw);
        prop_assert_eq!(jsons(&no_raw), jsons(&lenient));
        prop_assert!(no_raw.snapshots.iter().all(|s| s.raw.is_empty()));
    }

    /// Properties 1 and 3: the snapshots of random text and of edited
    /// fixtures make sense (see `check_snapshots`), whether stacks are
    /// resolved or not.
    #[test]
    fn snapshots_make_sense(input in prop_oneof![any_input(), mutated_fixture()]) {
        for detail in [Detail::Stacks, Detail::Counts] {
            check_snapshots(&input.0, &run(&input.0, DEFAULT, options(detail, false)))?;
        }
    }

    /// Property 2, random input: the size of the reads never changes the output.
    #[test]
    fn chunking_never_changes_random_input(
        input in any_input(),
        cuts in chunkings(),
        options in any_options(),
    ) {
        check_chunkings(&input.0, &cuts, options)?;
    }

    /// What `pp-split` writes reads back to the same snapshots (DESIGN.md:
    /// every binary reads what `pp-split` writes).
    #[test]
    fn json_lines_read_back_the_same(
        input in prop_oneof![any_input(), fixture_slice(16 * 1024)],
    ) {
        let first = run(&input.0, DEFAULT, options(Detail::Stacks, false));
        let written: Vec<u8> =
            first.snapshots.iter().flat_map(|s| [s.json.as_bytes(), b"\n"].concat()).collect();
        let again = run(&written, DEFAULT, options(Detail::Stacks, true));
        prop_assert_eq!(&again.error, &None);
        prop_assert_eq!(jsons(&again), jsons(&first));
        prop_assert_eq!(again.stats.by_status, first.stats.by_status);
    }

    /// What `pp-split --text` writes reads back to the same snapshots (its
    /// help: "a log that every pp binary reads back to the same snapshots"),
    /// for text without JSON lines (rebuilt as text, they cannot keep
    /// everything: a `complete` line without `kind` comes back as
    /// ` profile: total 0`), unknown lines (skipped, so not written, though a
    /// cut-off one marks its snapshot partial), or cut lines (see
    /// `text_of_a_cut_snapshot_reads_back_the_same`).
    #[test]
    fn text_output_reads_back_the_same(
        input in prop_oneof![any_input(), fixture_prefix(64 * 1024)],
    ) {
        let mut input = without_json_lines(&input.0);
        if input.last().is_some_and(|&b| b != b'\n') {
            input.push(b'\n');
        }
        let (text, first) = text_of(&input);
        let cut = first.snapshots.iter().any(|s| !s.raw.ends_with(b"\n"));
        if first.stats.unknown_lines > 0 || cut {
            return Ok(());
        }
        let again = run(&text, DEFAULT, options(Detail::Stacks, false));
        prop_assert!(
            jsons(&again) == jsons(&first),
            "text {:?} reads back as\n{}",
            text.escape_ascii().to_string(),
            first_difference(&first, &again)
        );
    }
}

proptest! {
    // A case reads up to 1.4 MB six times: few cases, and the whole main
    // log at every byte in `whole_log_at_capacity_one_is_the_same`.
    #![proptest_config(config(16))]

    /// Property 2, real logs: any prefix of the main log (so a cut at any
    /// byte), of the Go 1.19 batch log, or a slice of any fixture, read in
    /// any chunks, gives the same output.
    #[test]
    fn chunking_never_changes_real_logs(
        shop in prefix_of(SHOP),
        batch in prefix_of(BATCH),
        slice in fixture_slice(64 * 1024),
        cuts in chunkings(),
        options in any_options(),
    ) {
        check_chunkings(shop, &cuts, options.clone())?;
        check_chunkings(batch, &cuts, options.clone())?;
        check_chunkings(&slice.0, &cuts, options)?;
    }
}

proptest! {
    #![proptest_config(config(32))]

    /// Property 4: a log cut at any byte has one snapshot per date line, all
    /// complete but the last, and identical to the uncut log's; and no byte
    /// of it is lost from the snapshots' original bytes, but a last line cut
    /// too short to be recognised (`#`, `1`, `# lab`), which is skipped and
    /// counted as unknown like any other.
    #[test]
    fn truncated_log_keeps_every_snapshot(prefix in prefix_of(SHOP)) {
        let outcome = run(prefix, DEFAULT, options(Detail::Stacks, false));
        check_snapshots(prefix, &outcome)?;
        let dates = lines_of(prefix).into_iter().filter(|l| is_date_line(l)).count();
        prop_assert_eq!(outcome.snapshots.len(), dates);
        if let Some((_, before_last)) = outcome.snapshots.split_last() {
            prop_assert!(before_last.iter().all(|s| s.status == Status::Complete));
            prop_assert!(SHOP_OUTCOME.snapshots.starts_with(before_last));
        }
        let kept: Vec<u8> =
            outcome.snapshots.iter().flat_map(|s| s.raw.iter().copied()).collect();
        let lines = lines_of(prefix);
        let last = lines.last().copied().unwrap_or_default();
        let last_skipped = !last.ends_with(b"\n")
            && kept.len() + last.len() == prefix.len()
            && prefix.starts_with(&kept)
            && outcome.stats.unknown_at == [format!("{NAME}:{}", lines.len())];
        prop_assert!(outcome.stats.unknown_lines <= 1, "{}", outcome.stats.summary());
        prop_assert!(
            kept == prefix || last_skipped,
            "original bytes lost: kept {} of {} bytes; input ends {:?}",
            kept.len(),
            prefix.len(),
            prefix[prefix.len().saturating_sub(80)..].escape_ascii().to_string()
        );
    }
}

proptest! {
    #![proptest_config(config(128))]

    /// Property 3: a fixture slice with random edits never panics, strict or
    /// not, and reads the same in a pipe's chunks (its snapshots are checked
    /// by `snapshots_make_sense`).
    #[test]
    fn mutated_fixtures_never_panic(input in mutated_fixture(), cuts in chunkings()) {
        let input = &input.0[..];
        let outcome = check_chunkings(input, &cuts[3..4], options(Detail::Stacks, false))?;
        prop_assert_eq!(&outcome.error, &None);
        let strict = run(input, DEFAULT, options(Detail::Stacks, true));
        prop_assert_eq!(strict.error.is_some(), outcome.stats.unknown_lines > 0);
        prop_assert!(outcome.snapshots.starts_with(&strict.snapshots));
    }

    /// With a small line limit, a long line is the same error at every
    /// chunking, after the same snapshots (capacities up to the limit: see
    /// `line_limit_does_not_depend_on_capacity` for larger ones).
    #[test]
    fn long_lines_fail_the_same_at_every_chunking(
        input in token_bytes(),
        long in prop::collection::vec(prop::sample::select(&b"@ 0x1\t"[..]), 0..400),
        at in any::<Index>(),
        max_line in 8usize..=256,
        cuts in (any::<Index>(), any::<Index>(), 1usize..=64, any::<u64>()),
        options in any_options(),
    ) {
        let mut input = input.0;
        let at = at.index(input.len() + 1);
        input.splice(at..at, long);
        let (capacity, pipe_capacity, max_read, seed) = cuts;
        let fit = |i: Index| 1 + i.index(max_line);
        let expected = run_limited(&input, Chunking::Capacity(max_line), max_line, options.clone());
        let chunkings = [
            Chunking::Capacity(1),
            Chunking::Capacity(7.min(max_line)),
            Chunking::Capacity(fit(capacity)),
            Chunking::Pipe { capacity: fit(pipe_capacity), max_read, seed },
            BYTEWISE,
        ];
        for chunking in chunkings {
            let got = run_limited(&input, chunking, max_line, options.clone());
            prop_assert!(
                got == expected,
                "{:?} changes the output:\n{}",
                chunking,
                first_difference(&expected, &got)
            );
        }
    }
}

// ---------------------------------------------------------------------------
// Plain tests
// ---------------------------------------------------------------------------

/// The whole main log, one byte at a time, gives exactly the default output.
#[test]
fn whole_log_at_capacity_one_is_the_same() {
    let expected = &*SHOP_OUTCOME;
    assert_eq!(expected.snapshots.len(), 50);
    assert_eq!(
        expected.stats.count(Status::Complete),
        50,
        "{}",
        expected.stats.summary()
    );
    assert_eq!(expected.stats.unknown_lines, 0);
    for chunking in [Chunking::Capacity(1), BYTEWISE] {
        let got = run(SHOP, chunking, options(Detail::Stacks, false));
        assert!(
            &got == expected,
            "{chunking:?}:\n{}",
            first_difference(expected, &got)
        );
    }
}

/// Regression: a profile or a server's answer with no timestamp before it
/// kept its first line twice in its original bytes (`open` kept it, then the
/// header's handler again), so `pp-split --text` of a single debug=1 file
/// printed the header twice, and that text read back as two snapshots.
#[test]
fn first_line_is_kept_once() {
    let cases: [&[u8]; 4] = [
        b"goroutine profile: total 1\n1 @ 0x1\n\n",
        b"Fri Nov 27 15:13:27 IST 2026\ngoroutine profile: total 0\ngoroutine profile: total 0\n",
        b"Unknown profile\n",
        b"<html>\n</html>\n",
    ];
    for input in cases {
        let outcome = run(input, DEFAULT, options(Detail::Stacks, false));
        let kept: Vec<u8> = outcome
            .snapshots
            .iter()
            .flat_map(|s| s.raw.iter().copied())
            .collect();
        assert_eq!(
            kept.escape_ascii().to_string(),
            input.escape_ascii().to_string()
        );
    }
}

/// Bug: counts are summed with saturation, so counts past `u64::MAX` "reach"
/// a total of `u64::MAX` and the snapshot is called complete.
#[test]
fn counts_past_the_total_are_not_complete() {
    let input = b"goroutine profile: total 18446744073709551615\n18446744073709551615 @\n1 @\n\n";
    let outcome = run(input, DEFAULT, options(Detail::Counts, false));
    assert_eq!(outcome.snapshots.len(), 1);
    assert_ne!(
        outcome.snapshots[0].status,
        Status::Complete,
        "{}",
        outcome.snapshots[0].json
    );
}

/// Bug: `pp-split --text` ends a snapshot that was cut inside its last line
/// with a newline, so the cut line reads back as a whole one: a partial
/// snapshot comes back complete, with another stack.
#[test]
fn text_of_a_cut_snapshot_reads_back_the_same() {
    let input =
        b"Fri Nov 27 15:13:27 IST 2026\ngoroutine profile: total 1\n1 @ 0x2\n#\t0x1\tmain.f+0x1\t/a.go:1";
    let (text, first) = text_of(input);
    assert_eq!(first.snapshots[0].status, Status::Partial);
    let again = run(&text, DEFAULT, options(Detail::Stacks, false));
    assert_eq!(
        jsons(&again),
        jsons(&first),
        "text {:?}",
        text.escape_ascii().to_string()
    );
}

/// Bug (only for callers that pick a capacity above the line limit; the
/// binaries use the defaults, 256 KiB and 64 MiB): the limit is enforced only
/// when the buffer is full, so with a 64-byte buffer a 40-byte line passes a
/// 16-byte limit that a 1-byte buffer enforces. The chunking changes the output.
#[test]
fn line_limit_does_not_depend_on_capacity() {
    let input = b"0123456789012345678901234567890123456789\n";
    let errors: Vec<_> = [1, 7, 16, 64, 1024]
        .map(|capacity| {
            let outcome = run_limited(
                input,
                Chunking::Capacity(capacity),
                16,
                options(Detail::Stacks, false),
            );
            (capacity, outcome.error)
        })
        .into();
    let expected = Some(format!("{NAME}:1: line longer than 16 bytes"));
    assert!(errors.iter().all(|(_, e)| *e == expected), "{errors:?}");
}

/// Bug: a frame line the classifier takes but the frame parser rejects
/// (`#\t0x1\tmain.f`, no file column) is an unknown line only when stacks are
/// resolved: `pp-split --strict` fails on it, `pp-totals --strict` does not,
/// and their summaries count different numbers of unknown lines.
#[test]
fn detail_does_not_change_what_is_unknown() {
    let input = b"goroutine profile: total 1\n1 @ 0x2\n#\t0x1\tmain.f\n\n";
    for strict in [false, true] {
        let stacks = run(input, DEFAULT, options(Detail::Stacks, strict));
        let counts = run(input, DEFAULT, options(Detail::Counts, strict));
        assert_eq!(
            (&stacks.stats, &stacks.error),
            (&counts.stats, &counts.error),
            "strict {strict}"
        );
    }
}

/// Bug: a timestamp line that starts with a space, a tab or a `\r` is taken
/// for a timestamp glued to a cut-off line (`Timestamp::find_glued`), so the
/// snapshot before it is cut: a profile whose counts reach its total becomes
/// partial, a missing one becomes an error with an empty message.
#[test]
fn space_before_a_timestamp_is_not_a_cut() {
    let cases: [(&[u8], Status); 3] = [
        (
            b"goroutine profile: total 1\n1 @ 0x1\n Fri Nov 27 15:13:27 IST 2026\n",
            Status::Complete,
        ),
        (
            b"goroutine profile: total 1\n1 @ 0x1\n\tFri Nov 27 15:13:27 IST 2026\n",
            Status::Complete,
        ),
        (
            b"Fri Nov 27 15:13:27 IST 2026\n\rFri Nov 27 15:13:28 IST 2026\n",
            Status::Missing,
        ),
    ];
    for (input, status) in cases {
        let outcome = run(input, DEFAULT, options(Detail::Stacks, false));
        let first = &outcome.snapshots[0];
        assert_eq!(
            first.status,
            status,
            "{:?}: {}",
            input.escape_ascii().to_string(),
            first.json
        );
    }
}
