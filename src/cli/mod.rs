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
use crate::error::{EXIT_INPUT, EXIT_OK, EXIT_USAGE, Error};
use crate::fleet::{self, NamedSource};
use crate::input::zone::TimeZone;
use crate::input::{Source, interrupt};
use crate::model::Status;
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
    /// Read times that have no offset (or only a zone name such as IST) in
    /// ZONE: an offset (+05:30, -0800, Z) or an IANA name (Asia/Kolkata).
    /// Without it such times keep their wall clock and are written without an offset.
    #[bpaf(long("tz"), argument("ZONE"))]
    pub tz: Option<TimeZone>,
    /// Read the sources on N threads at once (default: the number of cores);
    /// the output is the same whatever N is.
    #[bpaf(short('j'), long("jobs"), argument("N"))]
    pub jobs: Option<usize>,
    /// Read FILE as the source NAME (instead of its file name without .log,
    /// .txt, .gz); files given the same NAME are one source, in order.
    #[bpaf(long("source"), argument("NAME=FILE"))]
    pub source: Vec<NamedSourceArg>,
    /// Read every file in each directory DIR/NAME/ as the source NAME (for
    /// pods/NAME/prof.log, rotated logs included, in name order).
    #[bpaf(long("source-from-dir"), argument("DIR"))]
    pub source_from_dir: Vec<PathBuf>,
    /// Logs or profiles to read, in order; `-` or none means standard input.
    /// Each is a source, named by its file name without .log, .txt or .gz.
    #[bpaf(positional("FILE"))]
    pub files: Vec<PathBuf>,
}

/// `--source NAME=FILE`.
#[derive(Debug, Clone)]
pub(crate) struct NamedSourceArg(NamedSource);

impl std::str::FromStr for NamedSourceArg {
    type Err = String;

    fn from_str(text: &str) -> Result<NamedSourceArg, String> {
        NamedSource::parse(text).map(NamedSourceArg)
    }
}

impl InputArgs {
    /// The sources to read, each with its files: FILEs first, then
    /// `--source`, then `--source-from-dir`. Two FILEs of the same name are
    /// a usage error (name them with `--source`).
    pub fn sources(&self) -> Result<Vec<(String, Vec<Source>)>, Error> {
        let files: Vec<NamedSource> = Source::from_args(&self.files)
            .into_iter()
            .map(NamedSource::from_source)
            .collect();
        if self.files.is_empty() && !(self.source.is_empty() && self.source_from_dir.is_empty()) {
            // Standard input only when nothing else was given.
            return self.named_sources(Vec::new());
        }
        for (i, a) in files.iter().enumerate() {
            if let Some(b) = files[..i].iter().find(|b| b.name == a.name) {
                return Err(Error::Usage(format!(
                    "two inputs would be the source {:?} ({} and {}): name them with --source NAME=FILE",
                    a.name,
                    b.source.name(),
                    a.source.name()
                )));
            }
        }
        self.named_sources(files)
    }

    fn named_sources(
        &self,
        mut sources: Vec<NamedSource>,
    ) -> Result<Vec<(String, Vec<Source>)>, Error> {
        sources.extend(self.source.iter().map(|s| s.0.clone()));
        for dir in &self.source_from_dir {
            sources.extend(NamedSource::from_dir(dir)?);
        }
        Ok(fleet::group(sources))
    }

    /// How many sources to read at once.
    pub fn jobs(&self) -> usize {
        self.jobs.unwrap_or_else(fleet::default_jobs).max(1)
    }
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
    if let Err(error) = interrupt::install() {
        warn(&format!("cannot handle signals: {error}"));
    }
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
    // A signal ended the input: everything was written, and the status says why it stopped.
    let code = interrupt::signal().map_or(code, |signal| 128 + signal);
    std::process::exit(code)
}

/// Writes bpaf's help, version or usage error; returns the exit status.
fn print_parse_failure(name: &str, failure: ParseFailure) -> i32 {
    match failure {
        ParseFailure::Stdout(doc, _) => {
            // Always the full text: the footer holds the exit status and examples.
            let text = doc.monochrome(true);
            let text = text.trim_end();
            // `pp-totals 0.1.0`, as GNU tools print their version, not bpaf's `Version: 0.1.0`.
            let text = match text.strip_prefix("Version: ") {
                Some(version) => format!("{name} {version}"),
                None => text.to_string(),
            };
            let _ = writeln!(io::stdout().lock(), "{text}");
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

/// Ends a run over the input: names each input that could not be read,
/// prints the summary unless `quiet`, and fails with exit 1 when an input
/// could not be read or no snapshot held a profile.
pub fn finish(stats: &Stats, quiet: bool) -> Result<i32, Error> {
    for unreadable in &stats.unreadable {
        warn(unreadable);
    }
    for note in &stats.notes {
        warn(note);
    }
    if stats.inputs == 0 && !stats.unreadable.is_empty() {
        // Nothing could be read: the names above say all there is to say.
        return Ok(EXIT_INPUT);
    }
    if !quiet {
        let mut summary = stats.summary();
        if let Some(signal) = interrupt::signal() {
            let name = if signal == 15 { "SIGTERM" } else { "SIGINT" };
            summary.push_str(&format!("; input ended by {name}"));
        }
        warn(&summary);
    }
    let profiles = stats.count(Status::Complete) + stats.count(Status::Partial);
    if profiles == 0 {
        return Err(Error::input("", "no profile found in the input"));
    }
    if !stats.unreadable.is_empty() {
        return Ok(EXIT_INPUT);
    }
    Ok(EXIT_OK)
}
