//! `pp-fold`: folded stacks (`root;...;leaf COUNT`) for flamegraph.pl,
//! inferno and speedscope, from a log of snapshots or a single profile.
//!
//! Lines are sorted bytewise, so the output is deterministic and diffable.
//! With `--diff` each line carries two counts (`stack before after`), the
//! differential format those tools draw in red and blue.

mod aggregate;
mod name;

use std::io::Write;
use std::path::PathBuf;

use bpaf::{Bpaf, OptionParser, Parser};

use crate::assemble::{Assembler, Detail, Options};
use crate::cli::{self, InputArgs, input_args};
use crate::error::Error;
use crate::input::Source;
use crate::model::Kind;
use crate::pipeline;
pub use aggregate::{Aggregate, FoldOptions, Folded, FoldedStack, Folder, TRUNCATED};
pub use name::{
    FrameStyle, RUNTIME_LEAF_FRAMES, StackNamer, fold_frames, push_frame, push_safe,
    runtime_leaf_frames,
};

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
#[allow(missing_docs)]
pub struct FoldArgs {
    /// How a stack's counts over the snapshots become one number: sum (with a 1 s loop,
    /// goroutine-seconds), max (the most in any one snapshot), last (in the last snapshot),
    /// or mean (the sum over the number of snapshots, rounded to the nearest integer, halves up).
    #[bpaf(
        long("aggregate"),
        argument("HOW"),
        fallback(Aggregate::Sum),
        display_fallback
    )]
    aggregate: Aggregate,
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
    /// Write two counts per line, `stack before after`: the first complete snapshot and the
    /// last one (or --base and the input), which flamegraph.pl and inferno draw as a
    /// differential flame graph.
    #[bpaf(long("diff"))]
    diff: bool,
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
    /// contentions, delay (default, nanoseconds). Count profiles have one value, named after
    /// the profile (goroutine) or count.
    #[bpaf(long("value"), argument("NAME"))]
    value: Option<String>,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// The `pp-fold` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<FoldArgs> {
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
 pp-fold --aggregate last --labels prof.log | sort -t' ' -k2 -n | tail";

/// Runs `pp-fold`.
pub fn run(args: FoldArgs) -> Result<i32, Error> {
    let diff = args.diff || args.base.is_some();
    let options = FoldOptions {
        aggregate: args.aggregate,
        style: args.style,
        labels: args.labels,
        per_snapshot: args.per_snapshot,
        state: args.state,
        trim_runtime: args.trim_runtime,
        kind: args.kind,
        value: args.value,
        diff: diff && args.base.is_none(),
    };
    let base = match &args.base {
        Some(path) => {
            let sources = Source::from_args(std::slice::from_ref(path));
            Some(
                fold_sources(&sources, &options, args.input.strict)?
                    .0
                    .folded(),
            )
        }
        None => None,
    };
    let sources = Source::from_args(&args.input.files);
    let (folder, assembler) = fold_sources(&sources, &options, args.input.strict)?;
    let mut out = cli::Output::stdout();
    match (diff, base) {
        (false, _) => write_folded(&mut out, &folder.folded(), args.min_count)?,
        (true, Some(before)) => write_diff(&mut out, &before, &folder.folded(), args.min_count)?,
        (true, None) => {
            let (first, last) = folder.first_and_last();
            write_diff(&mut out, &first, &last, args.min_count)?;
        }
    }
    out.flush()?;
    cli::finish(assembler.stats(), args.input.quiet)
}

/// Folds `sources`; returns the folder and the assembler, which holds the
/// interned frames and the parse statistics.
pub fn fold_sources(
    sources: &[Source],
    options: &FoldOptions,
    strict: bool,
) -> Result<(Folder, Assembler), Error> {
    let mut folder = Folder::new(options.clone());
    let parse = Options {
        detail: Detail::Stacks,
        strict,
        ..Options::default()
    };
    let assembler = pipeline::run(sources, parse, &mut folder)?;
    Ok((folder, assembler))
}

/// Writes `stack count` lines, leaving out counts below `min_count`.
pub fn write_folded(out: &mut impl Write, lines: &Folded, min_count: u64) -> Result<(), Error> {
    for (stack, &count) in lines.iter().filter(|(_, c)| **c >= min_count.max(1)) {
        writeln!(out, "{stack} {count}")?;
    }
    Ok(())
}

/// Writes `stack before after` lines for every stack in either side.
pub fn write_diff(
    out: &mut impl Write,
    before: &Folded,
    after: &Folded,
    min_count: u64,
) -> Result<(), Error> {
    let mut stacks: Vec<&String> = before.keys().chain(after.keys()).collect();
    stacks.sort_unstable();
    stacks.dedup();
    for stack in stacks {
        let (b, a) = (
            before.get(stack).copied().unwrap_or(0),
            after.get(stack).copied().unwrap_or(0),
        );
        if b.max(a) >= min_count.max(1) {
            writeln!(out, "{stack} {b} {a}")?;
        }
    }
    Ok(())
}
