//! The harness every binary runs through: parse the command line with bpaf,
//! run, and turn the outcome into messages on stderr and an exit status.
//!
//! Usage errors exit 2 (bpaf's own `run()` would exit 1); a closed stdout
//! (`| head`) ends the program quietly with 0; other errors print
//! `NAME: file:line: message` and exit with [`Error::exit_code`].

pub mod fold;
pub mod html;
mod output;
pub mod split;
pub mod totals;

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use bpaf::{Args, Bpaf, OptionParser, ParseFailure};

use crate::assemble::Stats;
use crate::error::{EXIT_OK, EXIT_USAGE, Error};
pub use output::Output;

// Flags and arguments every binary shares. (A `//` comment: bpaf would print a
// doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
pub(crate) struct InputArgs {
    /// Stop with an error (exit 1) at the first line that is not understood,
    /// instead of skipping and counting it.
    #[bpaf(long("strict"))]
    pub strict: bool,
    /// Do not print the one-line summary on stderr.
    #[bpaf(short('q'), long("quiet"))]
    pub quiet: bool,
    /// Logs or profiles to read, in order; `-` or none means standard input.
    #[bpaf(positional("FILE"))]
    pub files: Vec<PathBuf>,
}

static PROGRAM: OnceLock<String> = OnceLock::new();

/// The running binary's name (`pp-totals`), for messages.
pub fn program() -> &'static str {
    PROGRAM.get().map_or("parseprof", String::as_str)
}

/// Parses the command line with `parser` and runs `run`, then exits.
///
/// `run` returns the exit status to use on success (0, or 3 for a failed check).
pub(crate) fn main<T>(name: &str, parser: OptionParser<T>, run: fn(T) -> Result<i32, Error>) -> ! {
    let _ = PROGRAM.set(name.to_string());
    let code = match parser.run_inner(Args::current_args().set_name(name)) {
        Ok(args) => match run(args) {
            Ok(code) => code,
            // A closed stdout is how `| head` says "enough": not an error.
            Err(error) if error.is_broken_pipe() => EXIT_OK,
            Err(error) => {
                warn(&error.to_string());
                error.exit_code()
            }
        },
        Err(failure) => print_parse_failure(name, failure),
    };
    std::process::exit(code)
}

/// Writes bpaf's help, version or usage error; returns the exit status.
fn print_parse_failure(name: &str, failure: ParseFailure) -> i32 {
    match failure {
        ParseFailure::Stdout(doc, _) => {
            // Always the full text: the footer holds the exit status and examples.
            let _ = writeln!(io::stdout().lock(), "{}", doc.monochrome(true).trim_end());
            EXIT_OK
        }
        ParseFailure::Completion(text) => {
            let _ = write!(io::stdout().lock(), "{text}");
            EXIT_OK
        }
        ParseFailure::Stderr(doc) => {
            let mut stderr = io::stderr().lock();
            let _ = writeln!(stderr, "{name}: {}", doc.monochrome(true).trim_end());
            let _ = writeln!(stderr, "Try '{name} --help' for more information.");
            EXIT_USAGE
        }
    }
}

/// Writes `NAME: message` on stderr. Errors writing to stderr are ignored:
/// there is nowhere left to report them.
pub fn warn(message: &str) {
    let _ = writeln!(io::stderr().lock(), "{}: {message}", program());
}

/// Ends a run over the input: prints the summary unless `quiet`, and fails
/// with exit 1 when no snapshot held a profile.
pub fn finish(stats: &Stats, quiet: bool) -> Result<i32, Error> {
    if !quiet {
        warn(&stats.summary());
    }
    let profiles =
        stats.count(crate::model::Status::Complete) + stats.count(crate::model::Status::Partial);
    if profiles == 0 {
        return Err(Error::input("", "no profile found in the input"));
    }
    Ok(EXIT_OK)
}
