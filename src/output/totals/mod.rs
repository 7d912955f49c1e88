//! `pp-totals`: one CSV row per snapshot, written the moment it is complete;
//! or one row per key per snapshot (`--by`); or the leak suspects (`--leaks`);
//! and checks on the whole input for CI (`--fail-if`, exit status 3).
//!
//! Rows (`rows`): `index,time,elapsed_s,kind,total,records,status`, then the
//! heap and contention value sums. The header is written before any input is
//! read, and each row is flushed before the program waits for more input, so
//! `curl-loop | pp-totals` is live.

mod by;
mod check;
mod rows;
mod sources;

use std::io::Write;

use crate::analysis::leak::{LeakFinder, Suspect};
use crate::assemble::{Consumer, Detail, Options, Stats};
use crate::error::Error;
use crate::input::Source;
use crate::input::zone::TimeZone;
use crate::model::{Interner, Snapshot};
use crate::pipeline;
pub use by::{BY_HEADER, ByKey, ByWriter};
pub use check::{Check, Judged, Measures};
pub use rows::{TotalsWriter, elapsed_seconds};
pub use sources::run_sources;

/// The CSV header's first columns, in every run.
pub const HEADER: [&str; 7] = [
    "index",
    "time",
    "elapsed_s",
    "kind",
    "total",
    "records",
    "status",
];

/// The value columns after [`HEADER`]: the sums of the records' values of
/// heap (and allocs), of block and mutex profiles, and of CPU profiles
/// (`cpu`, nanoseconds; their samples are the total), as pprof scales them.
/// They come with `--values`, or when the first snapshot is a profile with
/// such values; the header never changes mid-stream.
pub const VALUE_COLUMNS: [&str; 7] = [
    "alloc_objects",
    "alloc_space",
    "inuse_objects",
    "inuse_space",
    "contentions",
    "delay",
    "cpu",
];

/// What `pp-totals` writes and checks.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct TotalsOptions {
    /// One row per key per snapshot instead of one per snapshot. Default is none.
    pub by: Option<ByKey>,
    /// Write the value columns ([`VALUE_COLUMNS`]) whatever the first
    /// snapshot is. Default is `false`: only when it has such values.
    pub values: bool,
    /// With `leaks`: suspects per stack and label set. Default is `false`.
    pub labels: bool,
    /// The leak suspects instead of rows, at the end of input. Default is `false`.
    pub leaks: bool,
    /// Checks on the whole input. Default is none.
    pub fail_if: Vec<Check>,
    /// Stop at the first line not understood. Default is `false`.
    pub strict: bool,
    /// Read times without an offset (or with a zone name) in this zone.
    /// Default is none: such times keep their wall clock only.
    pub tz: Option<TimeZone>,
}

/// What a `pp-totals` run found besides its output.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What was read.
    pub stats: Stats,
    /// The checks that held, each with what it measured: `growth>100 (growth is 496)`.
    pub failures: Vec<String>,
    /// What the user should know about the output: that leaks cannot be
    /// judged, columns of one source that the first source's header has no
    /// room for.
    pub notes: Vec<String>,
    /// Checks that could not be judged (`suspects>0` on 2 snapshots): the
    /// run fails with exit 1, not 0 and not 3.
    pub unjudged: Vec<String>,
}

/// Writes the rows (or suspects) of `sources` to `out` as `options` say, and
/// runs the checks.
pub fn run(
    options: &TotalsOptions,
    sources: &[Source],
    out: &mut impl Write,
) -> Result<Outcome, Error> {
    let mode = match options.by {
        Some(key) => Mode::By(ByWriter::new(out, key)?),
        None if options.leaks => Mode::Leaks(out),
        None => Mode::Rows(TotalsWriter::new(out, options.values)?),
    };
    let suspects = options.leaks || options.fail_if.iter().any(Check::needs_suspects);
    let stacks = suspects || matches!(options.by, Some(ByKey::Stack | ByKey::Func));
    let mut totals = Totals {
        mode,
        measures: Measures::default(),
        leaks: suspects.then(|| LeakFinder::new(options.labels, false)),
        suspects: 0,
        leaked: 0,
        cannot_judge: None,
        opened: false,
    };
    let parse = Options {
        detail: if stacks {
            Detail::Stacks
        } else {
            Detail::Counts
        },
        strict: options.strict,
        tz: options.tz.clone(),
        ..Options::default()
    };
    let assembler = pipeline::run(sources, parse, &mut totals)?;
    let stats = assembler.stats().clone();
    let judged = Judged {
        suspects: totals.suspects,
        leaked: totals.leaked,
        cannot_judge: totals.cannot_judge.clone(),
    };
    let mut notes = Vec::new();
    if let Some(why) = &totals.cannot_judge
        && (options.leaks || options.fail_if.iter().any(Check::needs_suspects))
    {
        notes.push(format!("cannot judge leaks: {why}"));
    }
    let (failures, unjudged) = totals.measures.failures(&options.fail_if, &stats, &judged);
    Ok(Outcome {
        stats,
        failures,
        notes,
        unjudged,
    })
}

/// Where rows go.
// One per run: the size of its variants does not matter.
#[allow(clippy::large_enum_variant)]
enum Mode<W: Write> {
    Rows(TotalsWriter<W>),
    By(ByWriter<W>),
    /// Nothing until the end of input, then the suspects.
    Leaks(W),
}

/// The consumer of a `pp-totals` run: its output, what the checks measure,
/// and the leak tracker when suspects are asked for.
struct Totals<W: Write> {
    mode: Mode<W>,
    measures: Measures,
    leaks: Option<LeakFinder>,
    /// How many suspects there were, once input ended.
    suspects: usize,
    /// Goroutines the runtime proved leaked, over all stacks, once input ended.
    leaked: u64,
    /// Why leaks cannot be judged, once input ended, if they cannot.
    cannot_judge: Option<String>,
    /// Whether an input could be opened: nothing is written before.
    opened: bool,
}

impl<W: Write> Consumer for Totals<W> {
    fn begin_source(&mut self, name: &str) -> Result<(), Error> {
        self.opened = true;
        match &mut self.mode {
            Mode::Rows(writer) => writer.begin_source(name),
            Mode::By(writer) => writer.begin_source(name),
            Mode::Leaks(_) => Ok(()),
        }
    }

    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        self.measures.observe(snap);
        if let Some(leaks) = &mut self.leaks {
            leaks.observe(snap, interner);
        }
        match &mut self.mode {
            Mode::Rows(writer) => writer.snapshot(snap, interner),
            Mode::By(writer) => writer.snapshot(snap, interner),
            Mode::Leaks(_) => Ok(()),
        }
    }

    fn idle(&mut self) -> Result<(), Error> {
        match &mut self.mode {
            Mode::Rows(writer) => writer.idle(),
            Mode::By(writer) => writer.idle(),
            Mode::Leaks(_) => Ok(()),
        }
    }

    /// Judges the leak suspects, writes them with `--leaks`, and flushes.
    fn finish(&mut self, interner: &Interner) -> Result<(), Error> {
        let suspects = match self.leaks.take() {
            Some(finder) => {
                self.cannot_judge = finder.cannot_judge();
                finder.suspects()
            }
            None => Vec::new(),
        };
        self.leaked = suspects.iter().map(|s| s.leaked).sum();
        // Growth suspects count only where growth could be judged; stacks
        // the runtime proved leaked are listed in any case.
        self.suspects = suspects.len();
        let nothing = suspects.is_empty() && self.cannot_judge.is_some();
        match &mut self.mode {
            Mode::Rows(writer) => writer.finish(),
            Mode::By(writer) => writer.flush(),
            Mode::Leaks(out) if self.opened && !nothing => write_suspects(out, &suspects, interner),
            Mode::Leaks(_) => Ok(()),
        }
    }
}

/// The header of `--leaks` output.
pub const LEAK_HEADER: [&str; 15] = [
    "stack",
    "first",
    "last",
    "peak",
    "slope_per_min",
    "score",
    "rises",
    "falls",
    "since_index",
    "z",
    "leaked",
    "creator",
    "wait_minutes",
    "waited",
    "evidence",
];

/// Writes the suspects as CSV, best first; `interner` names their creators.
pub fn write_suspects(
    out: &mut impl Write,
    suspects: &[Suspect],
    interner: &Interner,
) -> Result<(), Error> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record(LEAK_HEADER)?;
    for s in suspects {
        csv.write_record([
            s.stack.clone(),
            s.first.to_string(),
            s.last.to_string(),
            s.peak.to_string(),
            format!("{:.3}", s.slope_per_minute),
            format!("{:.3}", s.score),
            s.rises.to_string(),
            s.falls.to_string(),
            s.since_index.to_string(),
            format!("{:.2}", s.z),
            s.leaked.to_string(),
            match s.creator {
                0 => String::new(),
                id => interner.creator_name(id).to_string(),
            },
            s.wait_minutes.map_or(String::new(), |w| w.to_string()),
            match s.wait_minutes {
                Some(_) => s.waited.to_string(),
                None => String::new(),
            },
            s.evidence.name().to_string(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}
