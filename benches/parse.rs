//! Criterion benchmarks of the parser's hot paths, in bytes per second.
//!
//! The input is built at run time in memory: `examples/prof.log` repeated
//! until it reaches about 16 MiB (the example ends with a newline, so the
//! copies join into one valid gathering log). Each benchmark reads it through
//! `&[u8]`, so no disk or page cache is involved. From cheapest to dearest:
//! `lines` (the line reader alone), `classify` (lines plus the classifier),
//! `counts` (the whole pipeline as `pp-totals` runs it) and `stacks` (the whole
//! pipeline with interned stacks, as `pp-split` and `pp-fold` need). The
//! differences between neighbours are the cost of each stage.
//!
//! Run with `cargo bench --bench parse`; `bench/compare` times the binaries.

use std::hint::black_box;
use std::io::Read;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use parseprof::assemble::{Assembler, Consumer, Detail, Options};
use parseprof::input::event::classify;
use parseprof::input::line::LineReader;
use parseprof::model::{Interner, Snapshot};

/// Approximate size of the generated input.
const TARGET_BYTES: usize = 16 << 20;

/// `examples/prof.log` repeated until the input is at least [`TARGET_BYTES`].
fn input() -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prof.log");
    let example =
        std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    assert!(
        example.ends_with(b"\n"),
        "{} must end with a newline",
        path.display()
    );
    let copies = TARGET_BYTES.div_ceil(example.len());
    example.repeat(copies)
}

/// Counts what it is handed and keeps nothing, so only the parser is timed.
#[derive(Default)]
struct Tally {
    snapshots: u64,
    records: u64,
}

impl Consumer for Tally {
    fn snapshot(
        &mut self,
        snapshot: &Snapshot,
        _interner: &Interner,
    ) -> Result<(), parseprof::Error> {
        self.snapshots += 1;
        self.records += snapshot.records.len() as u64;
        Ok(())
    }
}

/// Runs the whole pipeline over `data` with `detail`; returns the tally.
fn pipeline(data: &[u8], detail: Detail) -> Tally {
    let mut options = Options::default();
    options.detail = detail;
    let mut assembler = Assembler::new(options);
    let mut tally = Tally::default();
    parseprof::pipeline::feed(data, "bench.log", &mut assembler, &mut tally)
        .expect("the input parses");
    tally
}

/// Calls `each` on every line of `data`, as the pipeline reads them.
fn for_each_line(data: impl Read, mut each: impl FnMut(&[u8])) {
    let mut lines = LineReader::new(data);
    loop {
        while let Some(line) = lines.next_buffered() {
            each(line.text);
        }
        if lines.at_eof() {
            break;
        }
        lines.fill().expect("reading from memory cannot fail");
    }
}

fn parse(c: &mut Criterion) {
    let data = input();
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(data.len() as u64));
    // Each iteration reads 16 MiB: fewer, longer samples keep a run short.
    group.sample_size(20);

    group.bench_function("lines", |b| {
        b.iter(|| {
            let mut count = 0u64;
            for_each_line(black_box(&data[..]), |_| count += 1);
            count
        })
    });
    group.bench_function("classify", |b| {
        b.iter(|| {
            let mut count = 0u64;
            for_each_line(black_box(&data[..]), |text| {
                black_box(classify(text));
                count += 1;
            });
            count
        })
    });
    group.bench_function("counts", |b| {
        b.iter(|| pipeline(black_box(&data), Detail::Counts))
    });
    group.bench_function("stacks", |b| {
        b.iter(|| pipeline(black_box(&data), Detail::Stacks))
    });
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
