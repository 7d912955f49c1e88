//! `pp-totals`' command line: its bpaf parser, and the mapping of its
//! arguments onto [`totals::TotalsOptions`].

use bpaf::{Bpaf, OptionParser, Parser};

use super::{InputArgs, Output, input_args};
use crate::error::{EXIT_CHECK, Error};
use crate::output::totals::{self, ByKey, Check, TotalsOptions};

// Command line of `pp-totals`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
struct TotalsArgs {
    /// Write one row per key per snapshot instead, `index,time,elapsed_s,key,count`: KEY is
    /// stack (folded as pp-fold folds it), func (goroutines whose stack contains the
    /// function), label (`key=value`), state (a dump's goroutine state) or creator (the
    /// function of a dump's `created by FUNC`; goroutines without one are not counted).
    #[bpaf(long("by"), argument("KEY"))]
    by: Option<ByKey>,
    /// Write the leak suspects instead, ranked, at the end of input:
    /// `stack,first,last,peak,slope_per_min,score,z,rises,falls,since_index` (see below).
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
    /// Write the value columns (alloc_objects, alloc_space, inuse_objects,
    /// inuse_space, contentions, delay) even when the first snapshot is a goroutine
    /// profile; without it they are written only when it is a heap, allocs, block or
    /// mutex profile.
    #[bpaf(long("values"))]
    values: bool,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

/// Parses `pp-totals`'s command line and runs it, then exits.
pub fn main() -> ! {
    super::main("pp-totals", options(), run)
}

/// The `pp-totals` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<impl Sized> {
    options()
}

fn options() -> OptionParser<TotalsArgs> {
    totals_args()
        .guard(|a| !(a.leaks && a.by.is_some()), "--leaks cannot be used with --by")
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("count the goroutines in each snapshot of a Go profile log, as CSV")
        .header(
            "Reads a log of Go text profiles (the output of a loop that appends `date` and \
             `curl -sS .../debug/pprof/goroutine?debug=1` to a file, or any Go text profile, or \
             pp-split JSON lines) and writes one CSV row per snapshot: \
             index,time,elapsed_s,kind,total,records,status (with several sources, source \
             first). When the first snapshot is a heap, allocs, block or mutex profile (or with \
             --values) six value columns follow: the sums of the values of heap profiles \
             (alloc_objects,alloc_space,inuse_objects,inuse_space, scaled as pprof scales them) \
             and of block and mutex profiles (contentions,delay in nanoseconds), empty for other \
             kinds; the first snapshot decides, and the header never changes mid-stream. For a goroutine dump (debug=2, a traceback), total is its \
             number of goroutines and records its groups of goroutines with the same stack, \
             state and creator. \
             A row is written the moment its snapshot is complete, so it works live at the end \
             of a pipe. Status is complete, partial (cut off, or counts below the total), missing \
             (a timestamp with nothing after it) or error (the server answered something else). \
             Times are ISO 8601, with the offset only where the timestamp line gave one.\n\n\
             Leak suspects: for each stack, pp-totals keeps its count at the first and last \
             snapshot, its peak, how often it rose and fell, and its counts over time in at most \
             128 time buckets (a snapshot without the stack counts as 0). A stack is a suspect \
             when its series passes a trend test against its own noise: a Mann-Kendall trend \
             with z >= 2 over the run (rank based: a stack that rises as often as it falls \
             scores about 0), a Theil-Sen rise (median slope times the run's span) of at least \
             3 * sqrt(mean count) and 2 goroutines, still rising over the latter half of the run \
             (z >= 1 there: a warm-up that reached a plateau is no suspect) and no fall below an \
             earlier level deeper than half the rise or 4 * sqrt(mean) (a sawtooth batch or a \
             drained backlog gives it all back). slope_per_min is the Theil-Sen slope, score the \
             same, z the run's Mann-Kendall z. The profiler's own goroutine (net/http/pprof, \
             runtime/pprof.write...) is never a suspect. It cannot judge a run of fewer than 5 \
             snapshots or spanning less than 4 s: then --leaks writes nothing on stdout and says \
             so on stderr (cannot judge leaks: 2 snapshots (need 5)), and a --fail-if on \
             suspects exits 1 instead of passing. A restart starts a new run: a total that falls \
             after a missing or error snapshot, or falls below a quarter of the one before; each \
             run is judged alone, the last run that can be judged decides, and since_index says \
             where it began.",
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
 pp-totals --by creator prof-debug2.log
 pp-totals -q --fail-if 'growth>50' --fail-if 'suspects>0' prof.log > /dev/null";

/// Runs `pp-totals`.
fn run(args: TotalsArgs) -> Result<i32, Error> {
    let options = TotalsOptions {
        by: args.by,
        leaks: args.leaks,
        fail_if: args.fail_if,
        values: args.values,
        strict: args.input.strict,
        tz: args.input.tz.clone(),
    };
    let mut out = Output::stdout();
    let sources = args.input.sources()?;
    let outcome = match sources.as_slice() {
        [(_, files)] => totals::run(&options, files, &mut out)?,
        _ => totals::run_sources(&options, &sources, args.input.jobs(), &mut out)?,
    };
    for note in &outcome.notes {
        super::warn(note);
    }
    let mut code = super::finish(&outcome.stats, args.input.quiet)?;
    for reason in &outcome.cannot_judge {
        super::warn(&format!("cannot judge leaks: {reason}"));
    }
    // A gate on suspects that cannot judge must not pass: unusable input.
    if !outcome.cannot_judge.is_empty() && options.fail_if.iter().any(|c| c.needs_suspects()) {
        code = code.max(1);
    }
    for failure in &outcome.failures {
        super::warn(&format!("check failed: {failure}"));
    }
    // An unreadable input (exit 1) outranks a check judged without it.
    Ok(if outcome.failures.is_empty() || code != 0 {
        code
    } else {
        EXIT_CHECK
    })
}
