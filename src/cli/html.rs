//! `pp-html`'s command line: its bpaf parser, and the mapping of its
//! arguments onto [`html::HtmlOptions`].

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use bpaf::{Bpaf, OptionParser, Parser};

use super::{InputArgs, Output, input_args};
use crate::analysis::{Aggregate, AggregateOptions, FrameStyle};
use crate::assemble::Stats;
use crate::error::Error;
use crate::model::Kind;
use crate::output::html::{self, HtmlOptions};

// Command line of `pp-html`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
struct HtmlArgs {
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
    /// alloc_space, inuse_objects, inuse_space; block and mutex: contentions, delay; CPU:
    /// samples, cpu); the
    /// default is pprof's default for the kind, as in pp-fold.
    #[bpaf(long("value"), argument("NAME"))]
    value: Option<String>,
    /// The page's title; the default names the input.
    #[bpaf(long("title"), argument("TEXT"))]
    title: Option<String>,
    /// Write the page to FILE instead of standard output, atomically: it appears whole,
    /// when complete (a temporary file beside it is renamed), and not at all when there is
    /// no profile to report.
    #[bpaf(short('o'), long("output"), argument("FILE"))]
    output: Option<PathBuf>,
    /// How many stacks the top stacks table lists.
    #[bpaf(long("top"), argument("N"), fallback(25), display_fallback)]
    top: usize,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// Parses `pp-html`'s command line and runs it, then exits.
pub fn main() -> ! {
    super::main("pp-html", options(), run)
}

/// The `pp-html` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<impl Sized> {
    options()
}

fn options() -> OptionParser<HtmlArgs> {
    html_args()
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("write one self-contained HTML report of a log of Go profiles")
        .header(
            "Reads a log of Go text profiles (timestamp lines between goroutine?debug=1 \
             profiles), any Go text profile, or pp-split JSON lines, and writes one HTML page \
             on standard output: a summary (snapshots by status, time range, min/median/max \
             total), the leak suspects (the stacks that grow beyond their noise, ranked as pp-totals \
             --leaks ranks them, each with a sparkline and links to its place in the call tree \
             and the flame graph), the total per snapshot over time as a chart with missing, \
             partial and error snapshots and restarts marked (its y axis fits the data and \
             says so when it does not start at 0), the call tree root to leaf with each frame's cumulative \
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
fn run(args: HtmlArgs) -> Result<i32, Error> {
    let options = HtmlOptions {
        aggregate: AggregateOptions {
            aggregate: args.aggregate,
            style: if args.lines {
                FrameStyle::FuncFileLine
            } else {
                FrameStyle::Func
            },
            labels: args.labels,
            state: args.state,
            trim_runtime: args.trim_runtime,
            kind: args.kind,
            value: args.value,
            ..AggregateOptions::default()
        },
        title: args.title,
        top: args.top,
        strict: args.input.strict,
        tz: args.input.tz.clone(),
    };
    let sources = args.input.sources()?;
    let stats = match &args.output {
        Some(path) => write_atomically(path, |out| html::run_sources(&options, &sources, out))?,
        None if io::stdout().is_terminal() => {
            return Err(Error::Usage(
                "standard output is a terminal, and the page is 100 KB of HTML: \
                 redirect it (pp-html prof.log > prof.html) or name a file with -o"
                    .to_string(),
            ));
        }
        None => {
            let mut out = Output::stdout();
            let stats = html::run_sources(&options, &sources, &mut out)?;
            out.flush()?;
            stats
        }
    };
    super::finish(&stats, args.input.quiet)
}

/// Runs `write` into a temporary file beside `path`, then renames it to
/// `path`: a reader sees no page or the whole page, never half of one. When
/// `write` wrote nothing (no profile) or failed, the temporary file goes.
fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<Stats, Error>,
) -> Result<Stats, Error> {
    let name = path.display().to_string();
    let file_name = path
        .file_name()
        .ok_or_else(|| Error::input(&name, "not a file name"))?;
    let temporary = path.with_file_name(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let file = File::create(&temporary).map_err(|e| Error::input(&name, e.to_string()))?;
    let mut out = BufWriter::new(file);
    let written = write(&mut out).and_then(|stats| {
        let file = out
            .into_inner()
            .map_err(|e| Error::input(&name, e.error().to_string()))?;
        let length = file
            .metadata()
            .map_err(|e| Error::input(&name, e.to_string()))?
            .len();
        Ok((stats, length))
    });
    match written {
        Ok((stats, length)) if length > 0 => {
            fs::rename(&temporary, path).map_err(|e| Error::input(&name, e.to_string()))?;
            Ok(stats)
        }
        other => {
            let _ = fs::remove_file(&temporary);
            other.map(|(stats, _)| stats)
        }
    }
}
