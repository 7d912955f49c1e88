//! Robustness of binary input: truncated, bit-flipped and random gzip and
//! protobuf bytes, alone or after a `date` line, never panic, never allocate
//! without bound, and end as one clear message with a byte offset or as
//! snapshots, with nothing after them lost.

use std::io::Write;

use parseprof::Error;
use parseprof::assemble::{Assembler, Consumer, Options};
use parseprof::input::gzip::{Member, Progress};
use parseprof::input::line::LineReader;
use parseprof::input::pprof;
use parseprof::model::{Interner, Snapshot, Status};
use parseprof::pipeline::feed_lines;
use proptest::prelude::*;

const GOROUTINE: &[u8] = include_bytes!("fixtures/pb/go1.27/goroutine.pb.gz");
const HEAP: &[u8] = include_bytes!("fixtures/pb/go1.19/heap.pb.gz");
const TEXT: &[u8] = b"goroutine profile: total 1\n1 @ 0x1\n#\t0x1\tmain.main+0x1\tx.go:1\n\n";

#[derive(Default)]
struct Statuses(Vec<Status>);

impl Consumer for Statuses {
    fn snapshot(&mut self, snap: &Snapshot, _: &Interner) -> Result<(), Error> {
        self.0.push(snap.status);
        Ok(())
    }
}

/// Reads `input` as a log with reads of `capacity` bytes: statuses and notes.
fn read(input: &[u8], capacity: usize) -> (Vec<Status>, Vec<String>) {
    let mut assembler = Assembler::new(Options::default());
    let mut statuses = Statuses::default();
    let lines = LineReader::with_capacity(input, capacity, 1 << 20);
    feed_lines(lines, "input.bin", &mut assembler, &mut statuses).unwrap();
    (statuses.0, assembler.stats().notes.clone())
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut member = Member::new();
    member.push(bytes).unwrap();
    member.out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A log: a date line, `member`, a date line and a text profile.
fn log(member: &[u8]) -> Vec<u8> {
    let mut log = b"Wed Dec  2 10:10:53 IST 2026\n".to_vec();
    log.extend_from_slice(member);
    log.extend_from_slice(b"Wed Dec  2 10:10:54 IST 2026\n");
    log.extend_from_slice(TEXT);
    log
}

#[test]
fn a_length_of_2_to_the_60_is_an_error_not_an_allocation() {
    // Field 2 (sample), wire type 2, length 2^60, then nothing.
    let mut bytes = vec![0x12];
    let mut n: u64 = 1 << 60;
    while n >= 0x80 {
        bytes.push((n as u8) | 0x80);
        n >>= 7;
    }
    bytes.push(n as u8);
    assert!(pprof::decode(&bytes).is_err());
    let (statuses, notes) = read(&log(&gzip(&bytes)), 4096);
    assert_eq!(statuses, [Status::Error, Status::Complete]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0]
            .starts_with("input.bin:2: not a Go profile (binary data; gzip? protobuf?) at byte 0"),
        "{notes:?}"
    );
}

#[test]
fn every_truncation_of_a_member_is_one_message_and_the_rest_is_read() {
    for cut in (0..GOROUTINE.len()).step_by(97) {
        let (statuses, notes) = read(&log(&GOROUTINE[..cut.max(2)]), 512);
        // The cut member: an error; the text profile after it is read.
        assert_eq!(statuses.last(), Some(&Status::Complete), "cut {cut}");
        assert_eq!(notes.len(), 1, "cut {cut}: {notes:?}");
        assert!(notes[0].contains("at byte "), "{notes:?}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn bit_flipped_members_never_panic(at in 0..GOROUTINE.len(), bit in 0..8u8, capacity in 1..4096usize) {
        let mut member = GOROUTINE.to_vec();
        member[at] ^= 1 << bit;
        let (statuses, notes) = read(&log(&member), capacity);
        prop_assert_eq!(statuses.last(), Some(&Status::Complete));
        prop_assert!(notes.len() <= 1);
        prop_assert!(notes.iter().all(|n| n.is_ascii() && n.contains("at byte ")));
    }

    #[test]
    fn bit_flipped_protobuf_never_panics(at in 0..4000usize, bit in 0..8u8, source in 0..2usize) {
        let mut raw = gunzip([GOROUTINE, HEAP][source]);
        let at = at % raw.len();
        raw[at] ^= 1 << bit;
        let _ = pprof::decode(&raw);
        let (statuses, notes) = read(&log(&gzip(&raw)), 4096);
        prop_assert_eq!(statuses.last(), Some(&Status::Complete));
        prop_assert!(statuses.len() == 2, "{:?} {:?}", statuses, notes);
    }

    #[test]
    fn random_bytes_after_gzip_magic_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let mut member = vec![0x1f, 0x8b];
        member.extend_from_slice(&tail);
        let (statuses, _) = read(&log(&member), 64);
        prop_assert!(statuses.len() <= 3);
        let mut m = Member::new();
        let _ = m.push(&member).map(|p| matches!(p, Progress::Done { .. }));
    }

    #[test]
    fn random_protobuf_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let _ = pprof::decode(&bytes);
        let (statuses, notes) = read(&log(&gzip(&bytes)), 4096);
        prop_assert_eq!(statuses.last(), Some(&Status::Complete));
        prop_assert!(notes.len() <= 1);
    }
}
