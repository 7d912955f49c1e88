//! `pp-fold`'s command line: its bpaf parser, and the mapping of its
//! arguments onto [`fold::FoldOptions`].

use std::io::Write;
use std::path::PathBuf;

use bpaf::{Bpaf, OptionParser, Parser};

use super::{InputArgs, Output, input_args};
use crate::analysis::{Aggregate, AggregateOptions, FrameStyle, RUNTIME_LEAF_FRAMES, TRUNCATED};
use crate::error::Error;
use crate::input::Source;
use crate::model::Kind;
use crate::output::fold::{self, FoldOptions};

fn frame_style() -> impl Parser<FrameStyle> {
    let file_line = bpaf::long("lines")
        .help("Write frames as `func file:line` instead of the function alone")
        .req_flag(FrameStyle::FuncFileLine);
    let line = bpaf::long("func-lines")
        .help("Write frames as `func:line`")
        .req_flag(FrameStyle::FuncLine);
    bpaf::construct!([file_line, line]).fallback(FrameStyle::Func)
}

// Command line of `pp-fold`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
struct FoldArgs {
    /// How a stack's counts over the snapshots become one number: sum (the default; with a
    /// 1 s loop, goroutine-seconds), max (the most in any one snapshot), last (in the last
    /// snapshot), or mean (the sum over the number of snapshots, rounded to the nearest
    /// integer, halves up). With --base it applies to both inputs; --diff without --base
    /// compares window means and refuses it.
    #[bpaf(long("aggregate"), argument("HOW"))]
    aggregate: Option<Aggregate>,
    #[bpaf(external(frame_style))]
    style: FrameStyle,
    /// Put each record's pprof labels at the root of its stack, one frame per label
    /// (`handler=order`), like pprof's -tagroot.
    #[bpaf(long("labels"))]
    labels: bool,
    /// Put each snapshot's time (or `snapshot#N`) at the root: a flame chart over time.
    #[bpaf(long("per-snapshot"))]
    per_snapshot: bool,
    /// For goroutine dumps (debug=2, tracebacks): put each goroutine's state at the root
    /// (`[chan receive]`).
    #[bpaf(long("state"))]
    state: bool,
    /// Write two counts per line, `stack before after`, which flamegraph.pl and inferno draw
    /// as a differential flame graph: the stack's mean per snapshot over the first and over
    /// the last window of complete snapshots (see --window; without a complete snapshot,
    /// the first and the last partial one), or --base and the input.
    #[bpaf(long("diff"))]
    diff: bool,
    /// With --diff: each window holds N complete snapshots (N above their number: all of
    /// them). Memory stays bounded by the distinct stacks: each keeps its sums over 32 blocks
    /// of consecutive complete snapshots, and a window is the fewest whole blocks from its
    /// end that hold at least N. With N given, the first window is exactly the first N, and
    /// the blocks are a ring of ceil(N/31) snapshots each: so the last window is exactly the
    /// last N up to N = 31 (--window 1: the first complete snapshot against the last), and
    /// less than one block more above. Without N, a quarter of the complete snapshots
    /// (rounded down, at least 1), which only the end of the input tells: blocks start at 1
    /// snapshot and neighbours merge pairwise (2, 4, ... snapshots a block) when all 32 are
    /// used, so both windows are exact for up to 32 complete snapshots, and otherwise hold
    /// less than one block (a sixteenth of the log) more. A mean is the stack's sum over
    /// the window (0 where it was absent) over the window's snapshots, rounded to the
    /// nearest integer, halves up.
    #[bpaf(long("window"), argument("N"))]
    window: Option<u64>,
    /// With --diff: take the "before" counts from FILE, folded like the input, instead of
    /// the first snapshot. Implies --diff.
    #[bpaf(long("base"), argument("FILE"))]
    base: Option<PathBuf>,
    /// Drop the scheduler frames at the leaf that every blocked goroutine shares
    /// (runtime.gopark, runtime.selectgo, sync.runtime_notifyListWait, ...; listed below).
    #[bpaf(long("trim-runtime"))]
    trim_runtime: bool,
    /// Leave out lines whose count is below N (with --diff, whose counts both are).
    #[bpaf(long("min-count"), argument("N"), fallback(1), display_fallback)]
    min_count: u64,
    /// Fold only profiles of this kind (goroutine, threadcreate, ...): needed when the
    /// input holds several kinds, whose counts cannot be added together.
    #[bpaf(long("kind"), argument("KIND"))]
    kind: Option<Kind>,
    /// The value to fold, for profiles that carry several, named as pprof names them: heap
    /// (also allocs): alloc_objects, alloc_space, inuse_objects, inuse_space (default; use
    /// alloc_space for an allocs profile, whose text is the same as heap's); block and mutex:
    /// contentions, delay (default, nanoseconds); CPU (protobuf): samples, cpu (default,
    /// nanoseconds), as pprof's -sample_index names them; other protobuf sample types by
    /// their own names (default: the profile's default_sample_type, else the last). Count
    /// profiles have one value, named after the profile (goroutine) or count.
    #[bpaf(long("value"), argument("NAME"))]
    value: Option<String>,
    /// Put each source's name as the root frame of its stacks (sources are
    /// FILEs, --source, --source-from-dir), so a flame graph shows which pod
    /// holds what; the sources are folded in parallel (-j). Without it the
    /// sources add up as one input.
    #[bpaf(long("source-root"))]
    source_root: bool,
    /// Write speedscope's JSON file format instead of folded lines: one profile
    /// per snapshot (with --source-root, one per source, aggregated as --aggregate
    /// says), frames named as the folded lines name them. Open it at
    /// https://www.speedscope.app or with the speedscope command.
    #[bpaf(long("speedscope"))]
    speedscope: bool,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// Parses `pp-fold`'s command line and runs it, then exits.
pub fn main() -> ! {
    super::main("pp-fold", options(), run)
}

/// The `pp-fold` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<impl Sized> {
    options()
}

fn options() -> OptionParser<FoldArgs> {
    let header = format!(
        "Reads a log of Go text profiles (timestamp lines between goroutine?debug=1 or \
         debug=2 profiles), any Go text profile (goroutine, threadcreate, heap, allocs, block, \
         mutex, debug=2 dumps, panic and SIGQUIT tracebacks), or pp-split JSON lines, and \
         writes one line per distinct stack: its frames root first, joined by `;`, a space and \
         its count (or the value chosen with --value), sorted bytewise. Counts are summed over \
         every snapshot with a profile (complete or partial); \
         see --aggregate. A stack cut at the runtime's depth limit (32 PCs before Go 1.23, 128 \
         since) gets the root frame {TRUNCATED}. Frame names are made safe for every reader: \
         bytes that are not UTF-8 become U+FFFD, control characters a space, `;` becomes `_`, \
         a name ending in a space and digits gets `_` for that space (so no reader takes the \
         digits for a count), a leading `#` becomes `_`, an empty name is [unknown]. \
         --trim-runtime drops these frames from the leaf end while more than one frame is \
         left: {}.",
        RUNTIME_LEAF_FRAMES.join(", ")
    );
    fold_args()
        .guard(
            |a| !(a.per_snapshot && (a.diff || a.base.is_some())),
            "--per-snapshot cannot be used with --diff",
        )
        .guard(
            |a| a.window.is_none() || (a.diff && a.base.is_none()),
            "--window needs --diff, and compares windows of one input: not with --base",
        )
        .guard(|a| a.window != Some(0), "--window must be at least 1")
        .guard(
            |a| !(a.diff && a.base.is_none() && a.aggregate.is_some()),
            "--diff compares the means per snapshot of two windows (--window): --aggregate \
             applies only with --base",
        )
        .guard(
            |a| {
                !(a.speedscope
                    && (a.diff || a.base.is_some() || a.labels || a.state || a.per_snapshot))
            },
            "--speedscope writes each snapshot's stacks as they are: it cannot be used with \
             --diff, --base, --labels, --state or --per-snapshot",
        )
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("fold the stacks of Go profiles and goroutine dumps for flame graphs")
        .header(header.as_str())
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, kinds that cannot be added, --strict failure, unreadable file); 2 usage error.

Examples:
 pp-fold prof.log | inferno-flamegraph > goroutines.svg
 pp-fold prof.log | flamegraph.pl --countname goroutines > goroutines.svg
 pp-fold --diff --trim-runtime prof.log | inferno-flamegraph > growth.svg
 pp-fold --diff --window 1 prof.log   # the first complete snapshot against the last
 pp-fold --aggregate last --labels prof.log | sort -t' ' -k2 -n | tail";

/// Runs `pp-fold`.
fn run(args: FoldArgs) -> Result<i32, Error> {
    let options = FoldOptions {
        aggregate: AggregateOptions {
            aggregate: args.aggregate.unwrap_or_default(),
            style: args.style,
            labels: args.labels,
            per_snapshot: args.per_snapshot,
            state: args.state,
            trim_runtime: args.trim_runtime,
            kind: args.kind,
            value: args.value,
            diff: false,
            window: args.window,
        },
        diff: args.diff || args.base.is_some(),
        base: args.base.map(|path| Source::from_args(&[path])),
        min_count: args.min_count,
        speedscope: args.speedscope,
        strict: args.input.strict,
        tz: args.input.tz.clone(),
    };
    let mut out = Output::stdout();
    let sources = args.input.sources()?;
    let stats = if args.source_root {
        fold::run_sources(&options, &sources, args.input.jobs(), &mut out)?
    } else {
        let files: Vec<Source> = sources.into_iter().flat_map(|(_, files)| files).collect();
        fold::run(&options, &files, &mut out)?
    };
    out.flush()?;
    super::finish(&stats, args.input.quiet)
}
