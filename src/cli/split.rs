//! `pp-split`'s command line: its bpaf parser, and the mapping of its
//! arguments onto [`split::SplitOptions`].

use std::io::Write;
use std::path::PathBuf;

use bpaf::{Bpaf, OptionParser, Parser};

use super::{InputArgs, Output, input_args};
use crate::error::Error;
use crate::output::split::{self, Format, Selection, SplitOptions, StatusList, Take, TimeArg};

// What `pp-split` writes. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
enum FormatArg {
    /// Write the selected snapshots as text (their original bytes): a log that
    /// every pp binary reads back to the same snapshots.
    #[bpaf(long("text"))]
    Text,
    Dir {
        /// Write each selected snapshot to its own file DIR/NNNNNN.txt (its index,
        /// zero-padded) with its original bytes, and print each path; a protobuf
        /// snapshot's file is its profile as it came, DIR/NNNNNN.pb.gz (without
        /// the timestamp line; go tool pprof reads it). DIR is created if missing.
        #[bpaf(long("dir"), argument("DIR"))]
        dir: PathBuf,
    },
    // JSON lines, the default.
    #[bpaf(skip)]
    Json,
}

// Command line of `pp-split`.
#[derive(Debug, Clone, Bpaf)]
struct SplitArgs {
    #[bpaf(external(format_arg), fallback(FormatArg::Json))]
    format: FormatArg,
    /// With --dir, overwrite files that exist; without it they are an error.
    #[bpaf(long("force"))]
    force: bool,
    #[bpaf(external(take), fallback(Take::All))]
    take: Take,
    /// Keep every Nth selected snapshot: the 1st, the N+1th, ...
    #[bpaf(long("every"), argument("N"), guard(|&n| n > 0, "N must be at least 1"), fallback(1), display_fallback)]
    every: u64,
    /// Keep snapshots taken at or after TIME (RFC 3339, `date` output or epoch seconds).
    #[bpaf(long("since"), argument("TIME"))]
    since: Option<TimeArg>,
    /// Keep snapshots taken at or before TIME.
    #[bpaf(long("until"), argument("TIME"))]
    until: Option<TimeArg>,
    /// Keep snapshots with these statuses: complete, partial, missing, error
    /// (comma-separated, or repeat the flag).
    #[bpaf(long("status"), argument("STATUS"), many)]
    status: Vec<StatusList>,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

fn take() -> impl Parser<Take> {
    let first = bpaf::long("first")
        .help("Keep the first N selected snapshots, then stop reading")
        .argument::<usize>("N")
        .guard(|&n| n > 0, "N must be at least 1")
        .map(Take::First);
    let last = bpaf::long("last")
        .help("Keep the last N selected snapshots (N are held in memory)")
        .argument::<usize>("N")
        .guard(|&n| n > 0, "N must be at least 1")
        .map(Take::Last);
    bpaf::construct!([first, last])
}

/// Parses `pp-split`'s command line and runs it, then exits.
pub fn main() -> ! {
    super::main("pp-split", options(), run)
}

/// The `pp-split` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<impl Sized> {
    options()
}

fn options() -> OptionParser<SplitArgs> {
    split_args()
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("split a Go profile log into snapshots: JSON lines, text, or one file each")
        .header(
            "Reads a log of Go text profiles (timestamp lines from `date` between \
             `?debug=1` profiles), any Go text profile, or pp-split JSON lines, and writes \
             one JSON object per snapshot: {index, time, time_raw, kind, total, status, error, \
             sample_types, memstats, records: [{count, values, labels, truncated, state, \
             wait_minutes, waited, created_by, frames: [{func, file, line}]}]}. \
             index counts from 0; time is ISO 8601 (with an offset only where the input gave \
             one, or --tz); time_raw is the timestamp line as written; kind is goroutine, \
             threadcreate, goroutineleak, heap, allocs, block, mutex or a custom profile's name; \
             total is the header's count (a dump's number of goroutines); status is complete, \
             partial, missing or error, with the server's message in error; time, time_raw, \
             kind, total and error are null when unknown. sample_types names the values of \
             every record, as pprof does (the kind's name for count profiles; alloc_objects, \
             alloc_space, inuse_objects, inuse_space for heap and allocs; contentions, delay in \
             nanoseconds for block and mutex; samples, cpu in nanoseconds for CPU profiles). memstats holds a heap profile's runtime.MemStats \
             trailer, numbers where the value is one ({} otherwise). In a record, count is its \
             goroutines (or samples), values go with sample_types, labels are its pprof labels \
             ({} when none), truncated is true when the runtime cut the stack at its depth \
             limit, state is a dump's goroutine state (\"chan receive\") and wait_minutes its \
             [least, most] minutes blocked (a goroutine whose header has no \", N minutes\" \
             counts 0; null when none of the record's has one), waited how many of its goroutines \
             had one (waited a minute or more), and created_by the function \
             that started its goroutines (`created by FUNC`: a dump groups goroutines by stack, \
             state and creator; null when they had none), all four null for debug=1 profiles. Frames are leaf first; a frame known only by its address has \
             that address as func, \"\" as file and 0 as line; a record without frame lines \
             has none. \
             Selection applies --status, --since and --until, then --every, then --first or --last.",
        )
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, --strict failure, unreadable file, a file in --dir exists); 2 usage error.

Examples:
 pp-split prof.log | jq -c '{index, total}'
 pp-split --last 1 --text prof.log > latest.txt
 pp-split --status partial,error prof.log
 pp-split --every 60 --dir snapshots prof.log";

/// Runs `pp-split`.
fn run(args: SplitArgs) -> Result<i32, Error> {
    // A bound without an offset is read in --tz, as the input's times are.
    let zone = args.input.tz.clone();
    let resolve = |time| zone.as_ref().map_or(time, |zone| zone.resolve(time));
    let options = SplitOptions {
        format: match args.format {
            FormatArg::Text => Format::Text,
            FormatArg::Dir { dir } => Format::Dir { dir },
            FormatArg::Json => Format::Json,
        },
        force: args.force,
        selection: Selection {
            statuses: args.status.into_iter().flat_map(|list| list.0).collect(),
            since: args.since.map(|t| resolve(t.0)),
            until: args.until.map(|t| resolve(t.0)),
            every: args.every,
            take: args.take,
        },
        strict: args.input.strict,
        tz: args.input.tz.clone(),
    };
    let mut out = Output::stdout();
    let sources = args.input.sources()?;
    let stats = match sources.as_slice() {
        [(_, files)] => split::run(&options, files, &mut out)?,
        _ => split::run_sources(&options, &sources, args.input.jobs(), &mut out)?,
    };
    out.flush()?;
    super::finish(&stats, args.input.quiet)
}
