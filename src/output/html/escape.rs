//! Escaping: the one place where text from the input becomes part of the page.
//!
//! Every input-derived string written as HTML goes through [`text`] (or
//! [`name`] / [`name_bytes`] for names): `&`, `<`, `>`, `"` and `'` become character
//! references, which is safe both between tags and inside quoted attributes.
//! Data for the page's script goes through [`ScriptJson`]: JSON with `<`, `>`,
//! `&` and U+2028/U+2029 written as `\u003c` etc., so nothing in it can close
//! the `<script type="application/json">` element it sits in.
//!
//! Names (functions, files, the title) go through [`name`]: escaped like
//! [`text`], with a `<wbr>` at each place a long name may wrap, so that the
//! page's CSS never has to break one inside a word (page.js's `appendName`
//! follows the same rule for the names it draws).

use std::fmt::Write as _;
use std::io;

/// Appends `input` to `out` with HTML's special characters escaped.
pub fn text(out: &mut String, input: &str) {
    let mut rest = input;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        out.push_str(&rest[..at]);
        out.push_str(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        });
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
}

/// Where `name` may wrap: after a `.` or `/` followed by neither `.`, `]` nor
/// `)` (so `[...]` and `(*T)` stay whole), and before a `(`; never after the
/// first character, so a leading `/` stays with what follows.
fn breaks_at(prev: char, next: char) -> bool {
    (matches!(prev, '.' | '/') && !matches!(next, '.' | ']' | ')')) || next == '('
}

/// Like [`text`], with a `<wbr>` at each place [`breaks_at`] allows.
pub fn name(out: &mut String, input: &str) {
    let mut start = 0;
    let mut chars = input.char_indices().peekable();
    let mut count = 0;
    while let Some((_, prev)) = chars.next() {
        count += 1;
        let Some(&(at, next)) = chars.peek() else {
            break;
        };
        if count > 1 && breaks_at(prev, next) {
            text(out, &input[start..at]);
            out.push_str("<wbr>");
            start = at;
        }
    }
    text(out, &input[start..]);
}

/// Like [`name`], for input bytes: invalid UTF-8 becomes U+FFFD.
pub fn name_bytes(out: &mut String, input: &[u8]) {
    name(out, &String::from_utf8_lossy(input));
}

/// `input` as an escaped string.
pub fn to_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    text(&mut out, input);
    out
}

/// A writer that passes JSON on with the escapes of the module documentation, for
/// streaming a large JSON value into the page without a copy of it.
pub struct ScriptJson<W: io::Write> {
    out: W,
    /// The start of a character that the last write cut off.
    pending: Vec<u8>,
}

impl<W: io::Write> ScriptJson<W> {
    /// A writer into `out`.
    pub fn new(out: W) -> ScriptJson<W> {
        ScriptJson {
            out,
            pending: Vec::new(),
        }
    }

    /// Writes what is pending; an incomplete character is an error.
    pub fn finish(mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "JSON ends inside a character",
            ))
        }
        .and(self.out.flush())
    }
}

impl<W: io::Write> io::Write for ScriptJson<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        let (text, rest) = match std::str::from_utf8(&bytes) {
            Ok(text) => (text, &[][..]),
            Err(e) if e.error_len().is_none() => {
                let (valid, rest) = bytes.split_at(e.valid_up_to());
                (std::str::from_utf8(valid).expect("checked"), rest)
            }
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        let mut escaped = String::new();
        let mut start = 0;
        for (at, c) in text.char_indices() {
            if matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') {
                self.out.write_all(&text.as_bytes()[start..at])?;
                escaped.clear();
                let _ = write!(escaped, "\\u{:04x}", c as u32);
                self.out.write_all(escaped.as_bytes())?;
                start = at + c.len_utf8();
            }
        }
        self.out.write_all(&text.as_bytes()[start..])?;
        self.pending = rest.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_text() {
        let cases = [
            ("plain", "plain"),
            (
                "</script><script>alert(1)</script>",
                "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;",
            ),
            ("a & \"b\" 'c'", "a &amp; &quot;b&quot; &#39;c&#39;"),
            (
                "<img src=x onerror=alert(1)>",
                "&lt;img src=x onerror=alert(1)&gt;",
            ),
            ("é ü 日本", "é ü 日本"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(to_html(input), expected);
        }
    }

    #[test]
    fn names_wrap_at_boundaries() {
        let cases = [
            ("main.(*Server).quote", "main.<wbr>(*Server).<wbr>quote"),
            (
                "net/http.(*conn).serve",
                "net/<wbr>http.<wbr>(*conn).<wbr>serve",
            ),
            (
                "example.com/shop/queue.Consume[...]",
                "example.<wbr>com/<wbr>shop/<wbr>queue.<wbr>Consume[...]",
            ),
            ("/src/a.go", "/src/<wbr>a.<wbr>go"),
            ("alert(1)", "alert<wbr>(1)"),
            ("(x", "(x"),
            ("a.<b>", "a.<wbr>&lt;b&gt;"),
            ("plain", "plain"),
            ("é.ü", "é.<wbr>ü"),
            ("", ""),
        ];
        for (input, expected) in cases {
            let mut out = String::new();
            name(&mut out, input);
            assert_eq!(out, expected, "{input}");
        }
        let mut out = String::new();
        name_bytes(&mut out, b"a.\xff<");
        assert_eq!(out, "a.<wbr>\u{fffd}&lt;");
    }

    #[test]
    fn json_cannot_close_the_script() {
        let value = serde_json::json!([
            "</script><script>alert(1)</script>",
            "a&b",
            "\u{2028}\u{2029}"
        ]);
        let text = value.to_string();
        // Whole, and one byte at a time: a character cut between writes is kept.
        for chunk in [text.len(), 1] {
            let mut out = Vec::new();
            let mut json = ScriptJson::new(&mut out);
            for piece in text.as_bytes().chunks(chunk) {
                io::Write::write_all(&mut json, piece).unwrap();
            }
            json.finish().unwrap();
            let out = String::from_utf8(out).unwrap();
            assert_eq!(
                out,
                r#"["\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e","a\u0026b","\u2028\u2029"]"#
            );
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(back, value);
        }
    }
}
