//! Dumps that a logger prefixed, line by line: `2026/11/27 15:13:27 goroutine 1
//! [running]:`, `Nov 27 15:13:27 host app[123]: main.main()`, a container
//! runtime's `2026-11-27T09:43:27.123456789Z stderr F ...`.
//!
//! The prefix is found on a goroutine header that is not at the start of its
//! line. Its shape (digits and spaces as one class, every other byte as is)
//! is then stripped from each following line that has the same shape, so
//! timestamps in it may change from line to line; the first line without it
//! ends the prefixed stretch.

use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::input::event::{Event, classify};
use crate::input::goroutine::parse_header;
use crate::input::timestamp::Timestamp;

/// Where a goroutine header starts inside `line`, after a non-blank prefix.
pub fn find(line: &[u8]) -> Option<usize> {
    static FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"goroutine "));
    let at = FINDER.find(line)?;
    let prefix = &line[..at];
    let prefixed = at > 0 && !prefix.iter().all(u8::is_ascii_whitespace);
    (prefixed && parse_header(&line[at..]).is_some()).then_some(at)
}

/// Where a profile header (`goroutine profile: total 3`, `heap profile: …`,
/// `--- mutex:`) starts inside `line`, after a non-blank prefix that a
/// logger wrote: `[2020-11-10 19:49:52.146]threadcreate profile: total 1013`.
pub fn find_profile_header(line: &[u8]) -> Option<usize> {
    static COUNT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b" profile: "));
    static CONTENTION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"--- "));
    let at = match COUNT.find(line) {
        // Back to the start of the profile's name.
        Some(name_end) => line[..name_end]
            .iter()
            .rposition(|&b| !(b.is_ascii_alphanumeric() || b"_-./".contains(&b)))
            .map_or(0, |before| before + 1),
        None => CONTENTION.find(line)?,
    };
    let prefixed = at > 0 && !line[..at].iter().all(u8::is_ascii_whitespace);
    let header = matches!(
        classify(&line[at..]),
        Event::CountHeader { .. } | Event::HeapHeader { .. } | Event::ContentionHeader { .. }
    );
    (prefixed && header).then_some(at)
}

/// The time a logger's prefix gives, if it is one: `[2020-11-10
/// 19:49:52.146]`, `2020/11/10 19:49:52 `, `time="2026-11-27T15:13:27Z" `.
pub fn timestamp(prefix: &[u8]) -> Option<Timestamp> {
    let trimmed = prefix
        .trim_ascii()
        .trim_ascii_end()
        .strip_suffix(b":")
        .unwrap_or(prefix.trim_ascii());
    let inner = trimmed
        .strip_prefix(b"[")
        .and_then(|t| t.strip_suffix(b"]"))
        .or_else(|| {
            trimmed
                .strip_prefix(b"time=\"")
                .and_then(|t| t.strip_suffix(b"\""))
        })
        .unwrap_or(trimmed);
    if let Some(time) = Timestamp::parse(inner) {
        return Some(time);
    }
    // Go's log package: `2020/11/10 19:49:52` (and `.000000` with Lmicroseconds).
    let slashed = inner.len() >= 19 && inner[4] == b'/' && inner[7] == b'/';
    if slashed {
        let mut dashed = inner.to_vec();
        dashed[4] = b'-';
        dashed[7] = b'-';
        return Timestamp::parse(&dashed);
    }
    None
}

/// The shape of a prefix: digits and spaces become `0`.
pub fn shape(prefix: &[u8]) -> Vec<u8> {
    prefix
        .iter()
        .map(|&b| {
            if b.is_ascii_digit() || b == b' ' {
                b'0'
            } else {
                b
            }
        })
        .collect()
}

/// The length of `line`'s prefix when it has `shape`.
pub fn strip(line: &[u8], shape: &[u8]) -> Option<usize> {
    let prefix = line.get(..shape.len())?;
    let same = prefix.iter().zip(shape).all(|(&b, &s)| {
        if s == b'0' {
            b.is_ascii_digit() || b == b' '
        } else {
            b == s
        }
    });
    same.then_some(shape.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_found_and_stripped() {
        let header = b"2026/11/27 15:13:27 goroutine 1 [running]:";
        let at = find(header).unwrap();
        assert_eq!(at, 20);
        let shape = shape(&header[..at]);
        assert_eq!(strip(b"2026/11/27 15:13:28 main.main()", &shape), Some(20));
        assert_eq!(
            strip(b"2026/11/27 15:13:28 \t/app/main.go:9 +0x1d", &shape),
            Some(20)
        );
        assert_eq!(strip(b"exit status 2", &shape), None);
        assert_eq!(find(b"goroutine 1 [running]:"), None, "no prefix");
        assert_eq!(
            find(b"    goroutine 1 [running]:"),
            None,
            "indented, not prefixed"
        );
        assert_eq!(find(b"app: the goroutine 5 leaked"), None);
        let syslog = b"Nov  7 15:13:27 host app[123]: goroutine 7 [chan receive]:";
        let shape = super::shape(&syslog[..find(syslog).unwrap()]);
        assert!(strip(b"Nov 17 15:13:27 host app[123]: main.main()", &shape).is_some());
    }

    #[test]
    fn profile_headers_glued_to_a_logger_prefix_are_found() {
        let line = b"[2020-11-10 19:49:52.146]threadcreate profile: total 1013";
        let at = find_profile_header(line).unwrap();
        assert_eq!(&line[at..], b"threadcreate profile: total 1013");
        let time = timestamp(&line[..at]).unwrap();
        assert_eq!(time.to_string(), "2020-11-10T19:49:52.146");
        let go_log = b"2020/11/10 19:49:52 heap profile: 3: 1280 [67: 13766480] @ heap/1048576";
        let at = find_profile_header(go_log).unwrap();
        assert_eq!(at, 20);
        assert_eq!(
            timestamp(&go_log[..at]).unwrap().to_string(),
            "2020-11-10T19:49:52"
        );
        let mutex = b"app: --- mutex:";
        assert_eq!(find_profile_header(mutex), Some(5));
        assert_eq!(timestamp(b"app: "), None);
        assert_eq!(
            find_profile_header(b"goroutine profile: total 3"),
            None,
            "no prefix"
        );
        assert_eq!(find_profile_header(b"the heap profile: is big"), None);
        assert_eq!(find_profile_header(b"x --- not a header"), None);
    }
}
