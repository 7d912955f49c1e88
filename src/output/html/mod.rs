//! `pp-html`: one self-contained HTML page from a log of snapshots — a
//! summary, the timeline of totals, the call tree with counts per frame, a
//! flame graph and the top stacks — that opens from `file://` offline.
//!
//! One pass over the input ([`collect`]) gathers pp-fold's aggregation and
//! bounded per-snapshot and per-stack summaries; the page ([`page`]) is
//! written at the end, with its CSS and script (`page.css`, `page.js`)
//! embedded at build time and every input-derived string escaped ([`escape`]).

mod collect;
mod escape;
mod page;
mod stacks;
mod summary;
mod suspects;
mod timeline;
mod top;
mod tree;

use std::io::Write;

use bpaf::{Bpaf, OptionParser, Parser};

use crate::assemble::{Detail, Options};
use crate::cli::{self, InputArgs, input_args};
use crate::error::Error;
use crate::input::Source;
use crate::model::{Kind, Status};
use crate::output::fold::{Aggregate, FoldOptions, FrameStyle};
use crate::output::leak::LeakTracker;
use crate::pipeline;

// Command line of `pp-html`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
#[allow(missing_docs)]
pub struct HtmlArgs {
    /// How a stack's counts over the snapshots become one number in the call tree, the
    /// flame graph and the top stacks, as in pp-fold: sum, max (the most in any one
    /// snapshot), last (in the last snapshot) or mean.
    #[bpaf(
        long("aggregate"),
        argument("HOW"),
        fallback(Aggregate::Sum),
        display_fallback
    )]
    aggregate: Aggregate,
    /// Put each record's pprof labels at the root of its stack, one frame per label
    /// (`handler=order`), as in pp-fold.
    #[bpaf(long("labels"))]
    labels: bool,
    /// For goroutine dumps (debug=2, tracebacks): put each goroutine's state at the root
    /// (`[chan receive]`), as in pp-fold.
    #[bpaf(long("state"))]
    state: bool,
    /// Drop the scheduler frames at the leaf that every blocked goroutine shares
    /// (runtime.gopark, runtime.selectgo, ...), as in pp-fold.
    #[bpaf(long("trim-runtime"))]
    trim_runtime: bool,
    /// Tell frames apart by function, file and line, as pp-fold --lines does; by default
    /// frames of one function at different lines are one node.
    #[bpaf(long("lines"))]
    lines: bool,
    /// Report only profiles of this kind (goroutine, threadcreate, ...): needed when the
    /// input holds several kinds, whose counts cannot be added together.
    #[bpaf(long("kind"), argument("KIND"))]
    kind: Option<Kind>,
    /// The value to report, for profiles that carry several (heap: alloc_objects,
    /// alloc_space, inuse_objects, inuse_space; block and mutex: contentions, delay); the
    /// default is pprof's default for the kind, as in pp-fold.
    #[bpaf(long("value"), argument("NAME"))]
    value: Option<String>,
    /// The page's title; the default names the input.
    #[bpaf(long("title"), argument("TEXT"))]
    title: Option<String>,
    /// How many stacks the top stacks table lists.
    #[bpaf(long("top"), argument("N"), fallback(25), display_fallback)]
    top: usize,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// The `pp-html` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<HtmlArgs> {
    html_args()
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("write one self-contained HTML report of a log of Go profiles")
        .header(
            "Reads a log of Go text profiles (timestamp lines between goroutine?debug=1 \
             profiles), any Go text profile, or pp-split JSON lines, and writes one HTML page \
             on standard output: a summary (snapshots by status, time range, min/median/max \
             total), the leak suspects (the stacks that grow steadily, ranked as pp-totals \
             --leaks ranks them, each with a sparkline and links to its place in the call tree \
             and the flame graph), the total per snapshot over time as a chart with missing, \
             partial and error snapshots marked, the call tree root to leaf with each frame's cumulative \
             and self count and file:line (expand, collapse, search), an interactive flame \
             graph, and the heaviest stacks with their count in the first and last snapshot \
             and at their peak. Counts are aggregated exactly as pp-fold aggregates them, with \
             the same options. Leak suspects are stacks by function name whatever the options; \
             a suspect's links open the nodes of the call tree (up to 20) where its stack ends \
             as the options fold it (under each label or state root, at each line with --lines, at \
             its trimmed path with --trim-runtime), the heaviest first, and none when its \
             count there is 0 (--aggregate last). #suspect=N in the page's address opens \
             suspect N. The page loads nothing from the network and opens from a file, \
             offline; memory stays bounded for logs of any length.",
        )
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, kinds that cannot be added, --strict failure, unreadable file); 2 usage error.

Examples:
 pp-html prof.log > prof.html
 pp-html --aggregate last --trim-runtime --title 'shop, Friday' prof.log > shop.html
 pp-split --since 2026-11-27T15:14:00 prof.log | pp-html --labels > window.html";

/// Runs `pp-html`.
pub fn run(args: HtmlArgs) -> Result<i32, Error> {
    let options = fold_options(&args);
    let sources = Source::from_args(&args.input.files);
    let mut collector = collect::Collector::new(&options);
    let parse = Options {
        detail: Detail::Stacks,
        strict: args.input.strict,
        ..Options::default()
    };
    let assembler = pipeline::run(&sources, parse, &mut collector)?;
    let stats = assembler.stats();
    if stats.count(Status::Complete) + stats.count(Status::Partial) == 0 {
        return cli::finish(stats, args.input.quiet);
    }
    let inputs: Vec<String> = sources
        .iter()
        .map(|s| match s {
            Source::Stdin => "standard input".to_string(),
            Source::File(_) => s.name(),
        })
        .collect();
    let page = render(&args, &inputs, &mut collector, &assembler);
    let mut out = cli::Output::stdout();
    out.write_all(page.as_bytes())?;
    out.flush()?;
    cli::finish(stats, args.input.quiet)
}

/// pp-fold's options for what `args` asks.
fn fold_options(args: &HtmlArgs) -> FoldOptions {
    FoldOptions {
        aggregate: args.aggregate,
        style: frame_style(args),
        labels: args.labels,
        state: args.state,
        trim_runtime: args.trim_runtime,
        kind: args.kind.clone(),
        value: args.value.clone(),
        ..FoldOptions::default()
    }
}

fn frame_style(args: &HtmlArgs) -> FrameStyle {
    if args.lines {
        FrameStyle::FuncFileLine
    } else {
        FrameStyle::Func
    }
}

/// Builds the call tree and the top stacks, and renders the page.
fn render(
    args: &HtmlArgs,
    inputs: &[String],
    collector: &mut collect::Collector,
    assembler: &crate::assemble::Assembler,
) -> String {
    let interner = assembler.interner();
    let stacks = collector.folder.stacks();
    let tree = tree::Tree::build(&stacks, interner, frame_style(args));
    let columns = tree.columns(interner, tree::NODE_BUDGET);
    let places = suspects::Places {
        stacks: &stacks,
        tree: &tree,
        columns: &columns,
    };
    let leaks = leaks(collector, &places, interner, &fold_options(args));
    let top = collector.stacks.top(args.top, args.aggregate);
    let kind = collector.kind.as_ref().map(Kind::as_str);
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| format!("{} · {} profiles", inputs.join(", "), kind.unwrap_or("no")));
    let aggregate_text = aggregate_text(args.aggregate, collector.folder.snapshots());
    let report = page::Report {
        title: &title,
        inputs,
        stats: assembler.stats(),
        interner,
        kind,
        unit: collector.unit.as_deref().unwrap_or("samples"),
        aggregate_text: &aggregate_text,
        series: &collector.series,
        totals: &collector.totals,
        tree: &columns,
        tree_nodes: tree.len(),
        distinct_stacks: collector.stacks.len(),
        top: &top,
        leaks: &leaks,
    };
    page::render(&report)
}

/// The leak suspects and their places in the call tree.
fn leaks(
    collector: &mut collect::Collector,
    places: &suspects::Places<'_>,
    interner: &crate::model::Interner,
    options: &FoldOptions,
) -> suspects::Leaks {
    let tracker = std::mem::replace(&mut collector.leaks, LeakTracker::new(0));
    let (snapshots, points) = (tracker.snapshots(), tracker.sparkline_points());
    let suspects = tracker.suspects();
    let places = suspects::locate(&suspects, &collector.seen, places, interner, options);
    suspects::Leaks {
        suspects,
        places,
        snapshots,
        points,
        unit: collector.leak_unit.clone().unwrap_or_default(),
    }
}

/// `the sum over all 50 snapshots`, ...
fn aggregate_text(aggregate: Aggregate, snapshots: u64) -> String {
    let s = if snapshots == 1 { "" } else { "s" };
    match aggregate {
        Aggregate::Sum if snapshots == 1 => "those of the one snapshot".to_string(),
        Aggregate::Sum => format!("the sum over all {snapshots} snapshots (--aggregate sum)"),
        Aggregate::Max => {
            format!("the most in any one of {snapshots} snapshot{s} (--aggregate max)")
        }
        Aggregate::Last => {
            format!("those of the last of {snapshots} snapshot{s} (--aggregate last)")
        }
        Aggregate::Mean => format!("the mean over {snapshots} snapshot{s} (--aggregate mean)"),
    }
}
