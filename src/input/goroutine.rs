//! The lines of goroutine dumps: `?debug=2` profiles and panic / SIGQUIT
//! tracebacks.
//!
//! Place lines start with a tab, shown here as spaces:
//!
//! ```text
//! goroutine 7 gp=0x1d73143b81e0 m=nil [chan receive, 5 minutes, locked to thread]:
//! main.(*Server).quote(0x1d73144c2000, {0xa77678, 0x1d7314455b80})
//!     /home/dev/shop/server.go:75 +0x96
//! runtime.mPark(...)
//!     /usr/local/go/src/runtime/proc.go:1985
//! ...51 frames elided...
//! created by main.(*Server).handleOrder.func1 in goroutine 46
//!     /home/dev/shop/server.go:62 +0x1bd fp=0x1d731440df58 sp=0x1d731440df38 pc=0x6bc1fd
//! ```

use super::frame::parse_u64;

/// A `goroutine N [...]:` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The goroutine id.
    pub id: u64,
    /// The state, the first part inside the brackets (`chan receive`, `GC worker (idle)`).
    pub state: &'a [u8],
    /// `N minutes` inside the brackets, if present.
    pub wait_minutes: Option<u32>,
}

/// Parses `goroutine N [STATE, ...]:`, with or without `gp=… m=… mp=…` before the brackets.
pub fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let rest = line.strip_prefix(b"goroutine ")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let id = parse_u64(&rest[..digits])?;
    let open = memchr::memchr(b'[', &rest[digits..])? + digits;
    let inside = rest[open + 1..].trim_ascii_end().strip_suffix(b"]:")?;
    let mut parts = inside.split(|&b| b == b',').map(<[u8]>::trim_ascii);
    let state = parts.next()?;
    let wait_minutes = parts
        .find_map(|p| p.strip_suffix(b" minutes"))
        .and_then(|n| parse_u64(n).and_then(|n| u32::try_from(n).ok()));
    Some(Header {
        id,
        state,
        wait_minutes,
    })
}

/// The function of a call line `FUNC(ARGS)` (`main.(*T).f(0x1, {0x2, 0x3})`,
/// `runtime.mPark(...)`): the text before the parenthesis that opens the
/// final, balanced argument list.
pub fn split_call(line: &[u8]) -> Option<&[u8]> {
    if line.last() != Some(&b')') || line.first().is_none_or(u8::is_ascii_whitespace) {
        return None;
    }
    let mut depth = 0usize;
    for (i, &b) in line.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth -= 1;
                if depth == 0 {
                    let func = &line[..i];
                    return (!func.is_empty() && !func.ends_with(b" ")).then_some(func);
                }
            }
            _ => {}
        }
    }
    None
}

/// The file and line of a place line `\t/path/file.go:75 +0x96`, also with
/// spaces for the tab, with ` fp=… sp=… pc=…` after it, or without an offset
/// (an inlined call).
pub fn parse_place(text: &[u8]) -> Option<(&[u8], u32)> {
    let mut text = text.trim_ascii();
    while let Some(space) = memchr::memrchr(b' ', text) {
        let token = &text[space + 1..];
        if !(token.starts_with(b"+0x")
            || token.starts_with(b"fp=")
            || token.starts_with(b"sp=")
            || token.starts_with(b"pc="))
        {
            break;
        }
        text = text[..space].trim_ascii_end();
    }
    let colon = memchr::memrchr(b':', text)?;
    let line = parse_u64(&text[colon + 1..]).and_then(|n| u32::try_from(n).ok())?;
    let file = &text[..colon];
    (!file.is_empty()).then_some((file, line))
}

/// The creator of `created by FUNC` or `created by FUNC in goroutine N`.
pub fn created_by(line: &[u8]) -> Option<&[u8]> {
    let rest = line.strip_prefix(b"created by ")?.trim_ascii_end();
    let digits = rest.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let func = rest[..rest.len() - digits]
        .strip_suffix(b" in goroutine ")
        .filter(|_| digits > 0);
    Some(func.unwrap_or(rest).trim_ascii())
}

/// `...additional frames elided...` (before Go 1.21) or `...51 frames elided...`.
pub fn is_elided(line: &[u8]) -> bool {
    line.starts_with(b"...") && line.ends_with(b" elided...")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        type Parsed<'a> = Option<(u64, &'a [u8], Option<u32>)>;
        let cases: &[(&[u8], Parsed)] = &[
            (b"goroutine 1650 [running]:", Some((1650, b"running", None))),
            (
                b"goroutine 1 [chan receive, 1 minutes]:",
                Some((1, b"chan receive", Some(1))),
            ),
            (
                b"goroutine 40 [chan receive, locked to thread]:",
                Some((40, b"chan receive", None)),
            ),
            (
                b"goroutine 9 [syscall, 5 minutes, locked to thread]:",
                Some((9, b"syscall", Some(5))),
            ),
            (
                b"goroutine 18 [GC worker (idle)]:",
                Some((18, b"GC worker (idle)", None)),
            ),
            (
                b"goroutine 1 gp=0x1d73143b81e0 m=nil [chan receive, 1 minutes]:",
                Some((1, b"chan receive", Some(1))),
            ),
            (
                b"goroutine 0 gp=0xacd3a0 m=0 mp=0xace580 [idle]:",
                Some((0, b"idle", None)),
            ),
            (b"goroutine profile: total 5", None),
            (b"goroutine 5 [running]", None),
            (b"goroutine x [running]:", None),
        ];
        for (line, expected) in cases {
            let got = parse_header(line).map(|h| (h.id, h.state, h.wait_minutes));
            assert_eq!(got, *expected, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn calls() {
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"main.main()", Some(b"main.main")),
            (
                b"net/http.(*conn).serve(0x1d731445cab0, {0xa79e68, 0x1d73144826c0})",
                Some(b"net/http.(*conn).serve"),
            ),
            (b"runtime.mPark(...)", Some(b"runtime.mPark")),
            (
                b"example.com/shop/queue.(*Queue[...]).Pop(0x1)",
                Some(b"example.com/shop/queue.(*Queue[...]).Pop"),
            ),
            (b"panic({0x6cbaa0, 0xc00001c150})", Some(b"panic")),
            (
                b"type:.eq.[2]interface {}(0x1, 0x2)",
                Some(b"type:.eq.[2]interface {}"),
            ),
            (b"main.f(unbalanced", None),
            (b"(no func)", None),
            (b"\tmain.f()", None),
            (b"exit status 2", None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                split_call(line),
                *expected,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn places() {
        type Place<'a> = Option<(&'a [u8], u32)>;
        let cases: &[(&[u8], Place)] = &[
            (b"\t/usr/local/go/src/runtime/pprof/pprof.go:816 +0x69", Some((b"/usr/local/go/src/runtime/pprof/pprof.go", 816))),
            (b"\t/usr/local/go/src/runtime/proc.go:1985", Some((b"/usr/local/go/src/runtime/proc.go", 1985))),
            (
                b"\t/usr/local/go/src/runtime/asm_amd64.s:463 +0x53 fp=0x7ffd sp=0x7ffc pc=0x492013",
                Some((b"/usr/local/go/src/runtime/asm_amd64.s", 463)),
            ),
            (b"        /home/dev/my project/main.go:12 +0x1d", Some((b"/home/dev/my project/main.go", 12))),
            (b"\tC:/Users/dev/main.go:7 +0x1", Some((b"C:/Users/dev/main.go", 7))),
            (b"\t<autogenerated>:1 +0x2b", Some((b"<autogenerated>", 1))),
            (b"\tgoroutine running on other thread; stack unavailable", None),
            (b"\t:12", None),
        ];
        for (line, expected) in cases {
            assert_eq!(
                parse_place(line),
                *expected,
                "{:?}",
                String::from_utf8_lossy(line)
            );
        }
    }

    #[test]
    fn creators_and_elisions() {
        assert_eq!(
            created_by(b"created by net/http.(*Server).Serve in goroutine 7"),
            Some(&b"net/http.(*Server).Serve"[..])
        );
        assert_eq!(created_by(b"created by main.main"), Some(&b"main.main"[..]));
        assert!(is_elided(b"...additional frames elided..."));
        assert!(is_elided(b"...51 frames elided..."));
        assert!(!is_elided(b"..."));
    }
}
