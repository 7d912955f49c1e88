//! The one error type of the crate, and the exit codes it maps to.
//!
//! Every binary ends through [`Error::exit_code`]: 0 success, 1 bad or unusable
//! input, 2 usage error, 3 a check the user asked for failed (see DESIGN.md).

use std::fmt;
use std::io;

/// Exit status for success.
pub const EXIT_OK: i32 = 0;
/// Exit status for bad or unusable input (no profile found, `--strict` failure, I/O error).
pub const EXIT_INPUT: i32 = 1;
/// Exit status for a usage error (unknown flag, bad flag value).
pub const EXIT_USAGE: i32 = 2;
/// Exit status for a failed check the user asked for (`--fail-if`).
pub const EXIT_CHECK: i32 = 3;

/// Everything that can stop a parseprof binary.
#[derive(Debug)]
pub enum Error {
    /// Reading or writing failed. A broken pipe on stdout is one of these and
    /// is treated as a quiet success by the harness.
    Io(io::Error),
    /// The input cannot be used; `location` is `file:line` when known.
    Input {
        /// `file:line`, or the file name alone, or empty.
        location: String,
        /// What is wrong, GNU style: lower case, no final period.
        message: String,
    },
    /// The command line asks for something that cannot be done.
    Usage(String),
    /// A check asked for on the command line failed (exit status 3).
    Check(String),
}

/// `No such file or directory`, without Rust's ` (os error 2)`: how an I/O
/// error reads in a message.
pub fn io_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

impl Error {
    /// An input error at `location` (`file:line`).
    pub fn input(location: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Input {
            location: location.into(),
            message: message.into(),
        }
    }

    /// True when this error is a closed stdout (`| head`), which ends a filter quietly.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Io(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }

    /// The process exit status for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Io(_) if self.is_broken_pipe() => EXIT_OK,
            Error::Io(_) | Error::Input { .. } => EXIT_INPUT,
            Error::Usage(_) => EXIT_USAGE,
            Error::Check(_) => EXIT_CHECK,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "{e}"),
            Error::Input { location, message } if location.is_empty() => f.write_str(message),
            Error::Input { location, message } => write!(f, "{location}: {message}"),
            Error::Usage(message) | Error::Check(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for Error {}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Error {
        Error::Io(e)
    }
}

impl From<csv::Error> for Error {
    /// Unwraps csv's I/O errors so that a broken pipe is still seen as one.
    fn from(e: csv::Error) -> Error {
        if e.is_io_error() {
            match e.into_kind() {
                csv::ErrorKind::Io(io) => return Error::Io(io),
                other => return Error::Io(io::Error::other(format!("{other:?}"))),
            }
        }
        Error::Io(io::Error::other(e.to_string()))
    }
}

impl From<serde_json::Error> for Error {
    /// Unwraps serde_json's I/O errors so that a broken pipe is still seen as one.
    fn from(e: serde_json::Error) -> Error {
        if e.is_io() {
            return Error::Io(e.into());
        }
        Error::Io(io::Error::other(e.to_string()))
    }
}

/// Quotes at most 80 bytes of an input line for an error message, lossily as UTF-8.
pub fn quote(line: &[u8]) -> String {
    const MAX: usize = 80;
    let cut = &line[..line.len().min(MAX)];
    let mut text = format!("{:?}", String::from_utf8_lossy(cut));
    if line.len() > MAX {
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_design() {
        let cases = [
            (Error::Io(io::ErrorKind::BrokenPipe.into()), EXIT_OK),
            (Error::Io(io::ErrorKind::NotFound.into()), EXIT_INPUT),
            (Error::input("a:1", "bad"), EXIT_INPUT),
            (Error::Usage("x".into()), EXIT_USAGE),
            (Error::Check("x".into()), EXIT_CHECK),
        ];
        for (error, code) in cases {
            assert_eq!(error.exit_code(), code, "{error:?}");
        }
    }

    #[test]
    fn csv_io_errors_stay_broken_pipes() {
        let e: Error = csv::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).into();
        assert!(e.is_broken_pipe());
    }

    #[test]
    fn quote_caps_at_80_bytes() {
        assert_eq!(quote(b"abc"), "\"abc\"");
        let long = vec![b'x'; 100];
        let q = quote(&long);
        assert!(q.ends_with("\"...") && q.len() == 80 + 2 + 3, "{q}");
        assert_eq!(quote(b"a\tb"), "\"a\\tb\"");
    }
}
