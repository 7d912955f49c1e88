//! `pp-totals`: one CSV row per snapshot, written the moment it is complete.
//!
//! Columns: `index,time,elapsed_s,kind,total,records,status`, then the heap and
//! contention value sums. The header is
//! written before any input is read, and each row is flushed before the
//! program waits for more input, so `curl-loop | pp-totals` is live.

use std::io::Write;

use bpaf::{Bpaf, OptionParser, Parser};

use crate::assemble::{Consumer, Detail, Options};
use crate::cli::{self, InputArgs, input_args};
use crate::error::Error;
use crate::input::Source;
use crate::input::timestamp::Timestamp;
use crate::model::{Interner, Sample, Snapshot};
use crate::pipeline;

/// The CSV header; columns may be added after these, never before.
pub const HEADER: [&str; 13] = [
    "index",
    "time",
    "elapsed_s",
    "kind",
    "total",
    "records",
    "status",
    "alloc_objects",
    "alloc_space",
    "inuse_objects",
    "inuse_space",
    "contentions",
    "delay",
];

// Command line of `pp-totals`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
pub struct TotalsArgs {
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// The `pp-totals` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<TotalsArgs> {
    totals_args()
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("count the goroutines in each snapshot of a Go profile log, as CSV")
        .header(
            "Reads a log of Go text profiles (the output of a loop that appends `date` and \
             `curl -sS .../debug/pprof/goroutine?debug=1` to a file, or any Go text profile, or \
             pp-split JSON lines) and writes one CSV row per snapshot: \
             index,time,elapsed_s,kind,total,records,status, then the sums of the values of \
             heap profiles (alloc_objects,alloc_space,inuse_objects,inuse_space, scaled as pprof \
             scales them) and of block and mutex profiles (contentions,delay in nanoseconds), \
             empty for other kinds. For a goroutine dump (debug=2, a traceback), total is its \
             number of goroutines and records its groups of goroutines with the same stack and \
             state. \
             A row is written the moment its snapshot is complete, so it works live at the end \
             of a pipe. Status is complete, partial (cut off, or counts below the total), missing \
             (a timestamp with nothing after it) or error (the server answered something else). \
             Times are ISO 8601, with the offset only where the timestamp line gave one.",
        )
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, --strict failure, unreadable file); 2 usage error.

Examples:
 pp-totals prof.log
 while true; do date; curl -sS 'localhost:6060/debug/pprof/goroutine?debug=1'; sleep 1; done | pp-totals
 pp-split --last 10 prof.log | pp-totals";

/// Runs `pp-totals`.
pub fn run(args: TotalsArgs) -> Result<i32, Error> {
    let sources = Source::from_args(&args.input.files);
    let mut writer = TotalsWriter::new(cli::Output::stdout())?;
    let options = Options {
        detail: Detail::Counts,
        strict: args.input.strict,
        ..Options::default()
    };
    let assembler = pipeline::run(&sources, options, &mut writer)?;
    writer.csv.flush()?;
    cli::finish(assembler.stats(), args.input.quiet)
}

/// Writes one CSV row per snapshot to `W`.
pub struct TotalsWriter<W: Write> {
    csv: csv::Writer<W>,
    first_time: Option<Timestamp>,
}

impl<W: Write> TotalsWriter<W> {
    /// Writes the header to `out` and returns the writer.
    pub fn new(out: W) -> Result<TotalsWriter<W>, Error> {
        let mut csv = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        csv.write_record(HEADER)?;
        Ok(TotalsWriter {
            csv,
            first_time: None,
        })
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(self) -> Result<W, Error> {
        self.csv.into_inner().map_err(|e| Error::Io(e.into_error()))
    }
}

impl<W: Write> Consumer for TotalsWriter<W> {
    fn snapshot(&mut self, snap: &Snapshot, _: &Interner) -> Result<(), Error> {
        let time = snap.time.map(|t| t.to_string()).unwrap_or_default();
        if self.first_time.is_none() {
            self.first_time = snap.time;
        }
        let elapsed = match (snap.time, self.first_time) {
            (Some(t), Some(first)) => elapsed_seconds(&t, &first),
            _ => String::new(),
        };
        let total = match (snap.status.has_profile(), snap.total) {
            (true, Some(total)) => total.to_string(),
            _ => String::new(),
        };
        let mut row = vec![
            snap.index.to_string(),
            time,
            elapsed,
            snap.kind.clone(),
            total,
            snap.records.len().to_string(),
            snap.status.as_str().to_string(),
        ];
        row.extend(value_totals(snap));
        self.csv.write_record(&row)?;
        Ok(())
    }

    fn idle(&mut self) -> Result<(), Error> {
        self.csv.flush()?;
        Ok(())
    }
}

/// The heap columns (alloc_objects, alloc_space, inuse_objects, inuse_space)
/// and the contention columns (contentions, delay): the sums of the records'
/// values, as pprof scales them; empty for other kinds.
fn value_totals(snap: &Snapshot) -> [String; 6] {
    let sum = |i: usize| {
        snap.records
            .iter()
            .map(|r| r.values[i])
            .sum::<u64>()
            .to_string()
    };
    let mut columns: [String; 6] = Default::default();
    match snap.sample {
        Sample::Heap if snap.status.has_profile() => {
            for (i, column) in columns[..4].iter_mut().enumerate() {
                *column = sum(i);
            }
        }
        Sample::Contention if snap.status.has_profile() => {
            columns[4] = sum(0);
            columns[5] = sum(1);
        }
        _ => {}
    }
    columns
}

/// Exact seconds from `first` to `t`: `12`, `0.5`, `-3`.
pub fn elapsed_seconds(t: &Timestamp, first: &Timestamp) -> String {
    let (s1, n1) = t.instant();
    let (s0, n0) = first.instant();
    let nanos = i128::from(s1 - s0) * 1_000_000_000 + i128::from(n1) - i128::from(n0);
    let sign = if nanos < 0 { "-" } else { "" };
    let (whole, frac) = (nanos.abs() / 1_000_000_000, nanos.abs() % 1_000_000_000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:09}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_exact() {
        let cases = [
            ("1795772723", "1795772723", "0"),
            ("1795772723", "1795772725", "2"),
            ("1795772723.75", "1795772725.5", "1.75"),
            ("1795772725", "1795772723", "-2"),
            (
                "2026-11-27T15:00:00+05:30",
                "2026-11-27T09:31:00.000000001Z",
                "60.000000001",
            ),
        ];
        for (first, t, expected) in cases {
            let first = Timestamp::parse(first.as_bytes()).unwrap();
            let t = Timestamp::parse(t.as_bytes()).unwrap();
            assert_eq!(elapsed_seconds(&t, &first), expected);
        }
    }

    #[test]
    fn help_parses_and_bad_flags_fail() {
        assert!(parser().run_inner(&["--help"][..]).is_err());
        let failure = parser().run_inner(&["--no-such-flag"][..]).unwrap_err();
        assert_eq!(
            failure.exit_code(),
            1,
            "bpaf reports 1; the harness maps it to 2"
        );
    }
}
