//! Escaping: the one place where text from the input becomes part of the page.
//!
//! Every input-derived string written as HTML goes through [`text`] (or
//! [`bytes`] for raw input bytes): `&`, `<`, `>`, `"` and `'` become character
//! references, which is safe both between tags and inside quoted attributes.
//! Data for the page's script goes through [`script_json`]: JSON with `<`, `>`,
//! `&` and U+2028/U+2029 written as `\u003c` etc., so nothing in it can close
//! the `<script type="application/json">` element it sits in.

use std::fmt::Write as _;

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

/// Like [`text`], for input bytes: invalid UTF-8 becomes U+FFFD.
pub fn bytes(out: &mut String, input: &[u8]) {
    text(out, &String::from_utf8_lossy(input));
}

/// `input` as an escaped string.
pub fn to_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    text(&mut out, input);
    out
}

/// Appends the JSON text `json` to `out`, made safe to sit inside a
/// `<script>` element (see the module documentation).
pub fn script_json(out: &mut String, json: &str) {
    out.reserve(json.len());
    for c in json.chars() {
        match c {
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
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
        let mut out = String::new();
        bytes(&mut out, b"f\xff<");
        assert_eq!(out, "f\u{fffd}&lt;");
    }

    #[test]
    fn json_cannot_close_the_script() {
        let value = serde_json::json!([
            "</script><script>alert(1)</script>",
            "a&b",
            "\u{2028}\u{2029}"
        ]);
        let mut out = String::new();
        script_json(&mut out, &value.to_string());
        assert_eq!(
            out,
            r#"["\u003c/script\u003e\u003cscript\u003ealert(1)\u003c/script\u003e","a\u0026b","\u2028\u2029"]"#
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, value);
    }
}
