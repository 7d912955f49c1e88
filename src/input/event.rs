//! The line classifier: the only place that knows the textual formats.
//!
//! Each line is classified once, by its first bytes, into an [`Event`]. The
//! classifier has no state: what an event means in context (a frame line
//! outside a record, say) is the assembler's business.

use super::frame::parse_u64;
use super::goroutine::{self, Header};
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
    /// `heap profile: A: B [C: D] @ heap/RATE`: the header of a heap or allocs profile.
    HeapHeader {
        /// In use objects and bytes, allocated objects and bytes, as printed.
        totals: [u64; 4],
        /// The number after `heap/`: twice the sampling rate; 0 when absent.
        rate: u64,
    },
    /// `A: B [C: D] @ ADDR...`: a record of a heap profile.
    HeapRecord {
        /// In use objects and bytes, allocated objects and bytes, as printed.
        values: [u64; 4],
        /// The addresses, as for [`Event::CountRecord`].
        addrs: &'a [u8],
    },
    /// `--- contention:` (block) or `--- mutex:`.
    ContentionHeader {
        /// `block` or `mutex`.
        kind: &'static str,
    },
    /// `CYCLES COUNT @ ADDR...`: a record of a block or mutex profile.
    ContentionRecord {
        /// The delay, in CPU cycles.
        cycles: u64,
        /// The number of contention events.
        count: u64,
        /// The addresses, as for [`Event::CountRecord`].
        addrs: &'a [u8],
    },
    /// `cycles/second=N` or `sampling period=N` after a contention header.
    Parameter {
        /// `cycles/second` or `sampling period`.
        name: &'a [u8],
        /// N.
        value: u64,
    },
    /// `# labels: {...}`: the record's pprof labels; the `{...}` text.
    Labels(&'a [u8]),
    /// `#\tADDR\tFUNC+OFF\tFILE:LINE` (or `#\tADDR` alone): the text after `#`,
    /// parsed by [`parse_frame`](super::frame::parse_frame) only when needed.
    Frame(&'a [u8]),
    /// `# TEXT` that is neither labels nor a frame (the `# runtime.MemStats` trailer).
    Comment(&'a [u8]),
    /// `goroutine N [STATE]:`, the header of one goroutine in a dump.
    GoroutineHeader(Header<'a>),
    /// `FUNC(ARGS)`: a call in a dump; the function.
    Call(&'a [u8]),
    /// `\tFILE:LINE +0xOFF`: where the call above it is.
    Place {
        /// The file.
        file: &'a [u8],
        /// The line.
        line: u32,
    },
    /// `created by FUNC [in goroutine N]`: the creator, followed by its place.
    CreatedBy(&'a [u8]),
    /// `...additional frames elided...` or `...N frames elided...`.
    Elided,
    /// `[originating from goroutine N]:` (an ancestor's stack follows).
    Ancestor,
    /// `goroutine running on other thread; stack unavailable`.
    StackUnavailable,
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
        b'\t' | b' ' => classify_indented(line),
        b'{' => Event::Json(line),
        b'<' => Event::ServerError {
            message: line,
            multiline: true,
        },
        b'[' if line.starts_with(b"[originating from goroutine ") => Event::Ancestor,
        b'.' if goroutine::is_elided(line) => Event::Elided,
        b'-' => classify_dashes(line),
        _ => classify_word(line),
    }
}

/// The text after `#` when `line` is a well-formed frame line that starts
/// `#\t`: the classifier's answer for the most common line, without the rest
/// of the classifier (the assembler's fast path).
#[inline]
pub fn frame_line(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"#\t")?;
    let body = if rest.first() == Some(&b'0') {
        rest
    } else {
        rest.trim_ascii_start()
    };
    (body.starts_with(b"0x") && frame_columns_ok(body)).then(|| &line[1..])
}

fn classify_comment(line: &[u8]) -> Event<'_> {
    let rest = &line[1..];
    if rest.first() == Some(&b'\t') {
        // The common case, first: a frame line (one tab, usually).
        let body = if rest.get(1) == Some(&b'0') {
            &rest[1..]
        } else {
            rest.trim_ascii_start()
        };
        return if body.starts_with(b"0x") && frame_columns_ok(body) {
            Event::Frame(rest)
        } else {
            Event::Unknown
        };
    }
    if let Some(labels) = rest.strip_prefix(b" labels: ") {
        return Event::Labels(labels);
    }
    let body = rest.trim_ascii_start();
    if rest.len() != body.len() && body.starts_with(b"0x") && frame_columns_ok(body) {
        return Event::Frame(rest);
    }
    match rest.strip_prefix(b" ") {
        Some(text) => Event::Comment(text),
        None => Event::Unknown,
    }
}

/// A frame line is its address alone, or address, function and a place that
/// ends in `:LINE`. A line cut short (after its function, inside its path)
/// is not one. Checked from the end: most lines end in `:LINE` at once.
#[inline]
fn frame_columns_ok(body: &[u8]) -> bool {
    // Go's lines end in `:LINE` right away: look at the last few bytes only.
    let mut at = body.len();
    while at > 0 && body[at - 1].is_ascii_digit() {
        at -= 1;
    }
    let place = at < body.len() && at > 3 && body[at - 1] == b':';
    place || frame_columns_slow(body)
}

/// Trailing spaces, or an address alone (`#\t0x0`).
fn frame_columns_slow(body: &[u8]) -> bool {
    let body = body.trim_ascii_end();
    let digits = body.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let place = digits > 0 && body.len() > digits + 2 && body[body.len() - digits - 1] == b':';
    place || body[2..].iter().all(u8::is_ascii_hexdigit)
}

/// Lines that start with digits: the records of debug=1 profiles, or epoch
/// and RFC 3339 timestamps.
fn classify_digits(line: &[u8]) -> Event<'_> {
    let (first, rest) = leading_number(line);
    if let Some(addrs) = addresses(rest) {
        return match first {
            Some(count) => Event::CountRecord { count, addrs },
            None => Event::Unknown,
        };
    }
    if let Some(record) = heap_record(line) {
        return record;
    }
    if let (Some(cycles), Some(after)) = (first, rest.strip_prefix(b" ")) {
        let (count, rest) = leading_number(after);
        if let (Some(count), Some(addrs)) = (count, addresses(rest)) {
            return Event::ContentionRecord {
                cycles,
                count,
                addrs,
            };
        }
    }
    match Timestamp::parse(line) {
        Some(ts) => Event::Timestamp(ts),
        None => Event::Unknown,
    }
}

/// The number at the start of `text` (if it fits) and the rest.
fn leading_number(text: &[u8]) -> (Option<u64>, &[u8]) {
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    (parse_u64(&text[..digits]), &text[digits..])
}

/// ` @ ADDR...` or ` @`: the addresses after the `@`.
fn addresses(text: &[u8]) -> Option<&[u8]> {
    let after = text.strip_prefix(b" @")?;
    (after.is_empty() || after[0] == b' ').then(|| after.trim_ascii())
}

/// `A: B [C: D]`, the values of a heap header or record, and the rest.
fn heap_values(text: &[u8]) -> Option<([u64; 4], &[u8])> {
    let (a, rest) = leading_number(text.trim_ascii_start());
    let (b, rest) = leading_number(rest.strip_prefix(b":")?.trim_ascii_start());
    let (c, rest) = leading_number(
        rest.trim_ascii_start()
            .strip_prefix(b"[")?
            .trim_ascii_start(),
    );
    let (d, rest) = leading_number(rest.strip_prefix(b":")?.trim_ascii_start());
    let rest = rest.trim_ascii_start().strip_prefix(b"]")?;
    Some(([a?, b?, c?, d?], rest))
}

fn heap_record(line: &[u8]) -> Option<Event<'_>> {
    let (values, rest) = heap_values(line)?;
    let addrs = addresses(rest)?;
    Some(Event::HeapRecord { values, addrs })
}

fn heap_header(line: &[u8]) -> Option<Event<'_>> {
    let (totals, rest) = heap_values(line.strip_prefix(b"heap profile:")?)?;
    let rest = rest.trim_ascii().strip_prefix(b"@")?.trim_ascii();
    let rate = match rest.strip_prefix(b"heap") {
        Some(tail) => tail
            .iter()
            .position(|&b| b == b'/')
            .and_then(|slash| parse_u64(&tail[slash + 1..]))
            .unwrap_or(0),
        None => 0,
    };
    Some(Event::HeapHeader { totals, rate })
}

fn classify_dashes(line: &[u8]) -> Event<'_> {
    match line.trim_ascii_end() {
        b"--- contention:" => Event::ContentionHeader { kind: "block" },
        b"--- mutex:" => Event::ContentionHeader { kind: "mutex" },
        _ => Event::Unknown,
    }
}

/// Lines that start with a tab or spaces: a dump's place lines, or text
/// indented by hand around a profile.
fn classify_indented(line: &[u8]) -> Event<'_> {
    let text = line.trim_ascii();
    if text.is_empty() {
        return Event::Blank;
    }
    if let Some((file, line)) = goroutine::parse_place(text) {
        return Event::Place { file, line };
    }
    if text.starts_with(b"goroutine running on other thread") {
        return Event::StackUnavailable;
    }
    classify_word(text)
}

fn classify_word(line: &[u8]) -> Event<'_> {
    // A dump's call lines are half of its lines, and the only lines that end
    // in `)`: try them first.
    if line.last() == Some(&b')')
        && let Some(func) = goroutine::split_call(line)
    {
        return Event::Call(func);
    }
    if let Some(ts) = Timestamp::parse(line) {
        return Event::Timestamp(ts);
    }
    if let Some(header) = goroutine::parse_header(line) {
        return Event::GoroutineHeader(header);
    }
    if let Some(creator) = goroutine::created_by(line) {
        return Event::CreatedBy(creator);
    }
    // Headers and parameters end in a number.
    if line.last().is_some_and(u8::is_ascii_digit)
        && let Some(event) = count_header(line)
            .or_else(|| heap_header(line))
            .or_else(|| parameter(line))
    {
        return event;
    }
    if SERVER_ERRORS.iter().any(|e| line.starts_with(e)) {
        return Event::ServerError {
            message: line,
            multiline: false,
        };
    }
    Event::Unknown
}

/// `cycles/second=N`, `sampling period=N`.
fn parameter(line: &[u8]) -> Option<Event<'_>> {
    let eq = memchr::memchr(b'=', line)?;
    let name = &line[..eq];
    if name != b"cycles/second" && name != b"sampling period" {
        return None;
    }
    let value = parse_u64(line[eq + 1..].trim_ascii())?;
    Some(Event::Parameter { name, value })
}

/// `NAME profile: total N`, NAME without spaces.
fn count_header(line: &[u8]) -> Option<Event<'_>> {
    let line = line.trim_ascii_end();
    let digits = line.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let total = parse_u64(&line[line.len() - digits..])?;
    let name = line[..line.len() - digits].strip_suffix(b" profile: total ")?;
    if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
        return None;
    }
    Some(Event::CountHeader { name, total })
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
            (b"# runtime.MemStats", Comment(b"runtime.MemStats")),
            (b"#runtime", Unknown),
            (b"#\t0x6b9d7b\tmain.(*Category).indexDepth", Unknown),
            (b"#\t0x6b9d7b\tmain.f\t", Unknown),
            (
                b"heap profile: 3: 1280 [67: 13766480] @ heap/1048576",
                HeapHeader {
                    totals: [3, 1280, 67, 13766480],
                    rate: 1048576,
                },
            ),
            (
                b"0: 0 [1: 176] @ 0x48a625 0x421f25",
                HeapRecord {
                    values: [0, 0, 1, 176],
                    addrs: b"0x48a625 0x421f25",
                },
            ),
            (b"--- contention:", ContentionHeader { kind: "block" }),
            (b"--- mutex:", ContentionHeader { kind: "mutex" }),
            (
                b"cycles/second=2596122118",
                Parameter {
                    name: b"cycles/second",
                    value: 2596122118,
                },
            ),
            (
                b"sampling period=1",
                Parameter {
                    name: b"sampling period",
                    value: 1,
                },
            ),
            (
                b"950993052523 31940 @ 0x6b9bd8 0x6b9bdc",
                ContentionRecord {
                    cycles: 950993052523,
                    count: 31940,
                    addrs: b"0x6b9bd8 0x6b9bdc",
                },
            ),
            (b"main.main()", Call(b"main.main")),
            (
                b"\t/home/dev/shop/main.go:90 +0xb65",
                Place {
                    file: b"/home/dev/shop/main.go",
                    line: 90,
                },
            ),
            (
                b"created by main.main in goroutine 1",
                CreatedBy(b"main.main"),
            ),
            (b"...51 frames elided...", Elided),
            (b"[originating from goroutine 12]:", Ancestor),
            (
                b"\tgoroutine running on other thread; stack unavailable",
                StackUnavailable,
            ),
            (
                b"[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x45]",
                Unknown,
            ),
            (b"rax    0x0", Unknown),
            (b"panic: boom", Unknown),
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
}
