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

use crate::input::goroutine::parse_header;

/// Where a goroutine header starts inside `line`, after a non-blank prefix.
pub fn find(line: &[u8]) -> Option<usize> {
    static FINDER: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"goroutine "));
    let at = FINDER.find(line)?;
    let prefix = &line[..at];
    let prefixed = at > 0 && !prefix.iter().all(u8::is_ascii_whitespace);
    (prefixed && parse_header(&line[at..]).is_some()).then_some(at)
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
}
