//! `pp-totals`' command line: its bpaf parser, and the mapping of its
//! arguments onto [`totals::TotalsOptions`].

use bpaf::{Bpaf, OptionParser, Parser};

use super::{InputArgs, Output, input_args};
use crate::error::{EXIT_CHECK, EXIT_INPUT, Error};
use crate::output::totals::{self, ByKey, Check, TotalsOptions};

// Command line of `pp-totals`. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
struct TotalsArgs {
    /// Write one row per key per snapshot instead, `index,time,elapsed_s,key,count`: KEY is
    /// stack (folded as pp-fold folds it), func (goroutines whose stack contains the
    /// function), label (`key=value`) or state (a dump's goroutine state).
    #[bpaf(long("by"), argument("KEY"))]
    by: Option<ByKey>,
    /// Write the leak suspects instead, ranked, at the end of input:
    /// `stack,first,last,peak,slope_per_min,score,rises,falls,since_index,z,leaked,creator,wait_minutes,waited,evidence`
    /// (see below; from dumps, creator is the `created by` function of most of the stack's
    /// goroutines, wait_minutes the most minutes one had waited and waited how many had
    /// waited a minute or more, at the last snapshot with the stack, all three empty
    /// otherwise; evidence is growth, wait or leaked); nothing, with a line on stderr, when
    /// the input is too short to judge.
    #[bpaf(long("leaks"))]
    leaks: bool,
    /// Exit with status 3 when CHECK holds at the end of input, naming it on stderr. CHECK
    /// is METRIC OP NUMBER with OP one of > >= < <= == != and METRIC one of total (largest
    /// total), last (last total), growth (last complete total minus the first), slope
    /// (complete totals' least-squares slope per minute), suspects (number of leak
    /// suspects; on input too short to judge, the run exits 1 instead), leaked (goroutines
    /// the runtime proved leaked), partial, missing, error (snapshots with that status),
    /// unknown (skipped lines). Repeat the flag for several checks.
    #[bpaf(long("fail-if"), argument("CHECK"), many)]
    fail_if: Vec<Check>,
    /// With --leaks: suspects per stack and label set (`key=value;...;stack`),
    /// so the one tenant or handler whose goroutines leak is named.
    #[bpaf(long("labels"))]
    labels: bool,
    /// Write the value columns (alloc_objects, alloc_space, inuse_objects,
    /// inuse_space, contentions, delay, cpu) even when the first snapshot is a goroutine
    /// profile; without it they are written only when it is a heap, allocs, block,
    /// mutex or CPU profile.
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
             first). When the first snapshot is a heap, allocs, block, mutex or CPU profile (or \
             with --values) seven value columns follow: the sums of the values of heap profiles \
             (alloc_objects,alloc_space,inuse_objects,inuse_space, scaled as pprof scales them), \
             of block and mutex profiles (contentions,delay in nanoseconds) and of CPU profiles \
             (cpu in nanoseconds; total is the samples), empty for other kinds; the first snapshot decides, and the header never changes mid-stream. For a goroutine dump (debug=2, a traceback), total is its \
             number of goroutines and records its groups of goroutines with the same stack and \
             state. \
             A row is written the moment its snapshot is complete, so it works live at the end \
             of a pipe. Status is complete, partial (cut off, or counts below the total), missing \
             (a timestamp with nothing after it) or error (the server answered something else). \
             Times are ISO 8601, with the offset only where the timestamp line gave one.\n\n\
             Leak suspects: for each stack pp-totals keeps its count at the first and last \
             snapshot, its peak, how often it rose and fell, and its counts summed into at most \
             32 buckets of consecutive snapshots (a snapshot without the stack counts 0). A \
             stack is a suspect when (1) the Mann-Kendall test over its bucket means gives z >= \
             2.33 (one-sided p about 0.01: a rank test, measured against the stack's own noise), \
             (2) it still rises over the latter half of the buckets (Mann-Kendall S and \
             Theil-Sen slope above 0: a pool that warmed up and stays flat, a backlog that \
             drained, a batch that ended are not leaks), (3) its Theil-Sen rise over the run \
             is at least 2 and at least 2 times the square root of its mean count (more than \
             Poisson noise), and (4) it never fell below its running peak by more than half its \
             rise and 4 times the square root of its mean (a sawtooth is not a leak). In \
             debug=2 dumps, where goroutines blocked a minute or more say so, a stack whose \
             count fails these rules is still a suspect when the number of its goroutines that \
             waited a minute or more passes them (evidence wait): leaked goroutines age and \
             stay, the traffic on the same stack does not. The score is the slope per minute \
             of the series that passed; z is its Mann-Kendall score. \
             It takes at least 5 snapshots over at least 4 s to judge: on less, --leaks writes \
             nothing but a line on stderr and a --fail-if on suspects exits 1. Goroutines the \
             runtime proved leaked (goroutineleak profiles, alone or taken each tick beside the \
             goroutine profile; `(leaked)` states in debug=2 dumps) are the leaked column, at the \
             last profile that said; such a stack is listed even when it does not grow. The \
             profiler's own goroutine (net/http/pprof, runtime/pprof.write...) is never a \
             suspect. A restart starts a new run (a total that falls after a missing or error \
             snapshot, or below a quarter of the one before): the verdict is the last run's \
             (the run before stands while the last is too short), and since_index says where \
             it began. --labels makes each label set of a stack a suspect of its own.",
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
fn run(args: TotalsArgs) -> Result<i32, Error> {
    let options = TotalsOptions {
        by: args.by,
        leaks: args.leaks,
        labels: args.labels,
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
    let code = super::finish(&outcome.stats, args.input.quiet)?;
    for failure in &outcome.failures {
        super::warn(&format!("check failed: {failure}"));
    }
    for unjudged in &outcome.unjudged {
        super::warn(&format!("check not judged: {unjudged}"));
    }
    // An unreadable input (exit 1) outranks a check judged without it; a
    // check that held outranks one that could not be judged (exit 1).
    Ok(if code != 0 {
        code
    } else if !outcome.failures.is_empty() {
        EXIT_CHECK
    } else if !outcome.unjudged.is_empty() {
        EXIT_INPUT
    } else {
        code
    })
}
