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

use std::io::Write;

use bpaf::{Bpaf, OptionParser, Parser};

use crate::analysis::leak::{LeakFinder, Suspect};
use crate::assemble::{Consumer, Detail, Options};
use crate::cli::{self, InputArgs, input_args};
use crate::error::{EXIT_CHECK, Error};
use crate::input::Source;
use crate::model::{Interner, Snapshot};
use crate::pipeline;
pub use by::{BY_HEADER, ByKey, ByWriter};
pub use check::{Check, Measures};
pub use rows::{TotalsWriter, elapsed_seconds};

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
    /// Write one row per key per snapshot instead, `index,time,elapsed_s,key,count`: KEY is
    /// stack (folded as pp-fold folds it), func (goroutines whose stack contains the
    /// function), label (`key=value`) or state (a dump's goroutine state).
    #[bpaf(long("by"), argument("KEY"))]
    by: Option<ByKey>,
    /// Write the leak suspects instead, ranked, at the end of input:
    /// `stack,first,last,peak,slope_per_min,score,rises,falls,since_index` (see below).
    #[bpaf(long("leaks"))]
    leaks: bool,
    /// Exit with status 3 when CHECK holds at the end of input, naming it on stderr. CHECK
    /// is METRIC OP NUMBER with OP one of > >= < <= == != and METRIC one of total (largest
    /// total), last (last total), growth (last complete total minus the first), slope
    /// (complete totals' least-squares slope per minute), suspects (number of leak
    /// suspects), partial, missing, error (snapshots with that status), unknown (skipped
    /// lines). Repeat the flag for several checks.
    #[bpaf(long("fail-if"), argument("CHECK"), many)]
    fail_if: Vec<Check>,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// The `pp-totals` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<TotalsArgs> {
    totals_args()
        .guard(|a| !(a.leaks && a.by.is_some()), "--leaks cannot be used with --by")
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
             Times are ISO 8601, with the offset only where the timestamp line gave one.\n\n\
             Leak suspects: for each stack, pp-totals keeps its count at the first and last \
             snapshot, its peak, how often it rose and fell from one snapshot to the next, and a \
             least-squares line through its counts over time (a snapshot without the stack counts \
             as 0). Over at least 3 snapshots, a stack is a suspect when it ended at least 2 higher \
             than it began, its line rises, it rose at least twice, and its steadiness (rises - \
             falls) / (rises + falls) is at least 0.5; its score is the slope in goroutines per \
             minute times its steadiness, so a stack that only grows ranks above one that \
             oscillates, and one that comes and goes (0, 1, 0, 1) is no suspect. The profiler's own \
             goroutine (net/http/pprof, runtime/pprof.write...) is never a suspect. A restart \
             starts a new run: a total that falls after a missing or error snapshot, or falls \
             below a quarter of the one before; each run is judged alone, a stack keeps its best \
             score, and since_index says where its run began.",
        )
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, --strict failure, unreadable file); 2 usage error; 3 a --fail-if check held.

Examples:
 pp-totals prof.log
 while true; do date; curl -sS 'localhost:6060/debug/pprof/goroutine?debug=1'; sleep 1; done | pp-totals
 pp-totals --leaks prof.log | head -3
 pp-totals --by state prof-debug2.log
 pp-totals -q --fail-if 'growth>50' --fail-if 'suspects>0' prof.log > /dev/null";

/// Runs `pp-totals`.
pub fn run(args: TotalsArgs) -> Result<i32, Error> {
    let sources = Source::from_args(&args.input.files);
    let out = cli::Output::stdout();
    let mode = match args.by {
        Some(key) => Mode::By(ByWriter::new(out, key)?),
        None if args.leaks => Mode::Leaks(out),
        None => Mode::Rows(TotalsWriter::new(out)?),
    };
    let suspects = args.leaks || args.fail_if.iter().any(Check::needs_suspects);
    let stacks = suspects || matches!(args.by, Some(ByKey::Stack | ByKey::Func));
    let mut totals = Totals {
        mode,
        measures: Measures::default(),
        leaks: suspects.then(|| LeakFinder::new(0)),
    };
    let options = Options {
        detail: if stacks {
            Detail::Stacks
        } else {
            Detail::Counts
        },
        strict: args.input.strict,
        ..Options::default()
    };
    let assembler = pipeline::run(&sources, options, &mut totals)?;
    let suspects = totals
        .leaks
        .take()
        .map(LeakFinder::suspects)
        .unwrap_or_default();
    match &mut totals.mode {
        Mode::Rows(writer) => writer.flush()?,
        Mode::By(writer) => writer.flush()?,
        Mode::Leaks(out) => write_suspects(out, &suspects)?,
    }
    let code = cli::finish(assembler.stats(), args.input.quiet)?;
    let failures = totals
        .measures
        .failures(&args.fail_if, assembler.stats(), suspects.len());
    for failure in &failures {
        cli::warn(&format!("check failed: {failure}"));
    }
    Ok(if failures.is_empty() {
        code
    } else {
        EXIT_CHECK
    })
}

/// Where rows go.
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
}

impl<W: Write> Consumer for Totals<W> {
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
}

/// The header of `--leaks` output.
pub const LEAK_HEADER: [&str; 9] = [
    "stack",
    "first",
    "last",
    "peak",
    "slope_per_min",
    "score",
    "rises",
    "falls",
    "since_index",
];

/// Writes the suspects as CSV, best first.
pub fn write_suspects(out: &mut impl Write, suspects: &[Suspect]) -> Result<(), Error> {
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
        ])?;
    }
    csv.flush()?;
    Ok(())
}
