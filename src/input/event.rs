//! The line classifier: the only place that knows the textual formats.
//!
//! Each line is classified once, by its first bytes, into an [`Event`]. The
//! classifier has no state: what an event means in context (a frame line
//! outside a record, say) is the assembler's business.

use super::timestamp::Timestamp;

/// What one input line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// An empty line (or only spaces and tabs).
    Blank,
    /// A timestamp line (see [`Timestamp::parse`]).
    Timestamp(Timestamp),
    /// `NAME profile: total N`: the header of a debug=1 count profile
    /// (goroutine, threadcreate, goroutineleak, or a custom profile).
    CountHeader {
        /// The profile's name.
        name: &'a [u8],
        /// The announced total.
        total: u64,
    },
    /// `COUNT @ ADDR...`: a record of a count profile.
    CountRecord {
        /// The record's count.
        count: u64,
        /// The text after `@`: space-separated hex addresses, leaf first; may be empty.
        addrs: &'a [u8],
    },
    /// `# labels: {...}`: the record's pprof labels; the `{...}` text.
    Labels(&'a [u8]),
    /// `#\tADDR\tFUNC+OFF\tFILE:LINE` (or `#\tADDR` alone): the text after `#`,
    /// parsed by [`parse_frame`] only when needed.
    Frame(&'a [u8]),
    /// What a server answers instead of a profile: an error message, an HTML
    /// page, a curl error.
    ServerError {
        /// The message line.
        message: &'a [u8],
        /// True when more lines of the same answer may follow (HTML).
        multiline: bool,
    },
    /// A `pp-split` JSON line (a whole snapshot).
    Json(&'a [u8]),
    /// Anything else.
    Unknown,
}

/// Messages that `net/http/pprof`, `net/http` and curl write instead of a
/// profile, matched at the start of a line.
const SERVER_ERRORS: &[&[u8]] = &[
    b"Unknown profile",
    b"seconds and debug params are incompatible",
    b"profile duration exceeds server's WriteTimeout",
    b"Could not enable CPU profiling",
    b"Could not enable tracing",
    b"invalid value for \"seconds\"",
    b"404 page not found",
    b"Client sent an HTTP request to an HTTPS server",
    b"curl: (",
];

/// Classifies one line (without its terminator).
pub fn classify(line: &[u8]) -> Event<'_> {
    let Some(&first) = line.first() else {
        return Event::Blank;
    };
    match first {
        b'#' => classify_comment(line),
        b'0'..=b'9' => classify_digits(line),
        b'{' => Event::Json(line),
        b'<' => Event::ServerError {
            message: line,
            multiline: true,
        },
        b' ' | b'\t' if line.trim_ascii().is_empty() => Event::Blank,
        b' ' | b'\t' => classify_word(line.trim_ascii()),
        _ => classify_word(line),
    }
}

fn classify_comment(line: &[u8]) -> Event<'_> {
    let rest = &line[1..];
    if let Some(labels) = rest.strip_prefix(b" labels: ") {
        return Event::Labels(labels);
    }
    let body = rest.trim_ascii_start();
    if rest.len() != body.len() && body.starts_with(b"0x") {
        return Event::Frame(rest);
    }
    Event::Unknown
}

fn classify_digits(line: &[u8]) -> Event<'_> {
    let digits = line.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &line[digits..];
    if let Some(after) = rest.strip_prefix(b" @") {
        if (after.is_empty() || after[0] == b' ')
            && let Some(count) = parse_u64(&line[..digits])
        {
            return Event::CountRecord {
                count,
                addrs: after.trim_ascii(),
            };
        }
        return Event::Unknown;
    }
    match Timestamp::parse(line) {
        Some(ts) => Event::Timestamp(ts),
        None => Event::Unknown,
    }
}

fn classify_word(line: &[u8]) -> Event<'_> {
    if let Some(ts) = Timestamp::parse(line) {
        return Event::Timestamp(ts);
    }
    if let Some(header) = count_header(line) {
        return header;
    }
    if SERVER_ERRORS.iter().any(|e| line.starts_with(e)) {
        return Event::ServerError {
            message: line,
            multiline: false,
        };
    }
    Event::Unknown
}

/// `NAME profile: total N`, NAME without spaces.
fn count_header(line: &[u8]) -> Option<Event<'_>> {
    const MARK: &[u8] = b" profile: total ";
    let at = memchr::memmem::find(line, MARK)?;
    let name = &line[..at];
    if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    let total = parse_u64(line[at + MARK.len()..].trim_ascii_end())?;
    Some(Event::CountHeader { name, total })
}

/// Parses a non-empty run of ASCII digits.
pub fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// A frame line's parts, borrowed from the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameParts<'a> {
    /// The address column (`0x6bc0f6`).
    pub addr: &'a [u8],
    /// The function without its `+0x…` offset; empty when the line has none.
    pub func: &'a [u8],
    /// The file; empty when the line has none.
    pub file: &'a [u8],
    /// The line number; 0 when the line has none.
    pub line: u32,
}

/// Parses the text after `#` of a frame line: columns separated by runs of
/// tabs (Go writes them through a tabwriter). Either the address alone
/// (`#\t0x0`) or address, function and `file:line`; `None` for anything else,
/// such as a line cut after its function.
pub fn parse_frame(text: &[u8]) -> Option<FrameParts<'_>> {
    let mut columns = text.split(|&b| b == b'\t').filter(|c| !c.is_empty());
    let addr = columns.next()?.trim_ascii();
    if !addr.starts_with(b"0x") {
        return None;
    }
    let (func, (file, line)) = match (columns.next(), columns.next()) {
        (None, _) => (&b""[..], (&b""[..], 0)),
        (Some(func), Some(place)) => (strip_offset(func), split_file_line(place)),
        (Some(_), None) => return None,
    };
    Some(FrameParts {
        addr,
        func,
        file,
        line,
    })
}

/// `main.f+0x1f` → `main.f`.
fn strip_offset(func: &[u8]) -> &[u8] {
    if let Some(plus) = memchr::memrchr(b'+', func) {
        let off = &func[plus + 1..];
        if off.len() > 2 && off.starts_with(b"0x") && off[2..].iter().all(u8::is_ascii_hexdigit) {
            return &func[..plus];
        }
    }
    func
}

/// `/a/b.go:75` → (`/a/b.go`, 75); a path without a line number keeps line 0.
fn split_file_line(text: &[u8]) -> (&[u8], u32) {
    let text = text.trim_ascii_end();
    if let Some(colon) = memchr::memrchr(b':', text)
        && let Some(line) = parse_u64(&text[colon + 1..]).and_then(|n| u32::try_from(n).ok())
    {
        return (&text[..colon], line);
    }
    (text, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_real_lines() {
        use Event::*;
        let cases: &[(&[u8], Event)] = &[
            (b"", Blank),
            (b" \t", Blank),
            (
                b"goroutine profile: total 55",
                CountHeader {
                    name: b"goroutine",
                    total: 55,
                },
            ),
            (
                b"goroutineleak profile: total 731",
                CountHeader {
                    name: b"goroutineleak",
                    total: 731,
                },
            ),
            (
                b"threadcreate profile: total 9",
                CountHeader {
                    name: b"threadcreate",
                    total: 9,
                },
            ),
            (
                b"x.com/p.Conns profile: total 0",
                CountHeader {
                    name: b"x.com/p.Conns",
                    total: 0,
                },
            ),
            (
                b"10 @ 0x48c9ea 0x493b61",
                CountRecord {
                    count: 10,
                    addrs: b"0x48c9ea 0x493b61",
                },
            ),
            (
                b"8 @",
                CountRecord {
                    count: 8,
                    addrs: b"",
                },
            ),
            (
                b"1 @ 0x493b61 ",
                CountRecord {
                    count: 1,
                    addrs: b"0x493b61",
                },
            ),
            (b"# labels: {\"a\":\"b\"}", Labels(b"{\"a\":\"b\"}")),
            (
                b"#\t0x6bc0f6\tmain.f+0x96\t/a.go:75",
                Frame(b"\t0x6bc0f6\tmain.f+0x96\t/a.go:75"),
            ),
            (b"#\t0x0", Frame(b"\t0x0")),
            (b"# runtime.MemStats", Unknown),
            (
                b"Unknown profile",
                ServerError {
                    message: b"Unknown profile",
                    multiline: false,
                },
            ),
            (
                b"<html>",
                ServerError {
                    message: b"<html>",
                    multiline: true,
                },
            ),
            (
                b"curl: (7) Failed to connect",
                ServerError {
                    message: b"curl: (7) Failed to connect",
                    multiline: false,
                },
            ),
            (b"{\"index\":0}", Json(b"{\"index\":0}")),
            (b"10 @0x1", Unknown),
            (b"99999999999999999999999 @ 0x1", Unknown),
            (b"goroutine profile: total x", Unknown),
            (b"my goroutine profile: total 5", Unknown),
            (b"\xff\xfe garbage", Unknown),
        ];
        for (line, expected) in cases {
            assert_eq!(
                classify(line),
                *expected,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
        assert!(matches!(
            classify(b"Fri Nov 27 15:13:27 IST 2026"),
            Timestamp(_)
        ));
        assert!(matches!(classify(b"1795772723"), Timestamp(_)));
        assert!(matches!(
            classify(b"2026-11-27T15:14:40+05:30"),
            Timestamp(_)
        ));
    }

    #[test]
    fn parses_frame_columns() {
        type Parts<'a> = Option<(&'a [u8], &'a [u8], &'a [u8], u32)>;
        let cases: &[(&[u8], Parts)] = &[
            (
                b"\t0x6b9bdb\texample.com/shop/inventory.(*Store).Reserve+0x3b\t/home/dev/shop/inventory/store.go:25",
                Some((b"0x6b9bdb", b"example.com/shop/inventory.(*Store).Reserve", b"/home/dev/shop/inventory/store.go", 25)),
            ),
            (
                b"\t0x48de24\tinternal/sync.runtime_SemacquireMutex+0x24\t\t/usr/local/go/src/runtime/sema.go:95",
                Some((b"0x48de24", b"internal/sync.runtime_SemacquireMutex", b"/usr/local/go/src/runtime/sema.go", 95)),
            ),
            (b"\t0x0", Some((b"0x0", b"", b"", 0))),
            (b"\t0x1\ttype:.eq.[2]interface {}+0x10\tC:/go/x.go:7", Some((b"0x1", b"type:.eq.[2]interface {}", b"C:/go/x.go", 7))),
            (b"\t0x1\tf+1\t<autogenerated>:1", Some((b"0x1", b"f+1", b"<autogenerated>", 1))),
            (b"\t0x1\tf\t/no/line", Some((b"0x1", b"f", b"/no/line", 0))),
            (b"\t0x6b9d7b\tmain.(*Category).indexDepth", None),
            (b"\tmain.f", None),
        ];
        for (text, expected) in cases {
            let got = parse_frame(text).map(|p| (p.addr, p.func, p.file, p.line));
            assert_eq!(got, *expected, "{:?}", String::from_utf8_lossy(text));
        }
    }
}
