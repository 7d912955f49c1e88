//! How a stack becomes a folded line's text: frame names, the runtime frames
//! `--trim-runtime` drops, and the rewriting that makes every name safe for
//! every folded-stack reader (flamegraph.pl, inferno, speedscope).
//!
//! Safe names, exactly:
//! 1. bytes that are not UTF-8 become U+FFFD; control characters (tab, CR, LF, …)
//!    become a space;
//! 2. `;` (the frame separator) becomes `_`;
//! 3. a name ending in a space and digits (`x 12`, `x 1.5`) gets `_` for that
//!    space, so no reader takes the digits for a count (inferno reads a second
//!    number as a differential column);
//! 4. a name starting with `#` gets `_` for it, so no line starts like a comment;
//! 5. an empty name becomes `[unknown]`.

use crate::model::{Frame, FrameId, Interner};

/// What a frame is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrameStyle {
    /// The function alone: `main.(*Server).quote`.
    #[default]
    Func,
    /// `main.(*Server).quote /home/dev/shop/server.go:75`.
    FuncFileLine,
    /// `main.(*Server).quote:75`.
    FuncLine,
}

/// Frames `--trim-runtime` drops from the leaf end of every stack: the
/// scheduler and synchronisation internals where a blocked goroutine parks,
/// which every blocked goroutine shares. At least one frame always stays.
pub const RUNTIME_LEAF_FRAMES: &[&str] = &[
    "runtime.gopark",
    "runtime.goparkunlock",
    "runtime.park_m",
    "runtime.mcall",
    "runtime.selectgo",
    "runtime.block",
    "runtime.chanrecv",
    "runtime.chanrecv1",
    "runtime.chanrecv2",
    "runtime.chansend",
    "runtime.chansend1",
    "runtime.semacquire",
    "runtime.semacquire1",
    "runtime.netpollblock",
    "runtime.notetsleepg",
    "runtime.timeSleep",
    "internal/poll.runtime_pollWait",
    "internal/sync.runtime_SemacquireMutex",
    "sync.runtime_notifyListWait",
    "sync.runtime_Semacquire",
    "sync.runtime_SemacquireMutex",
    "sync.runtime_SemacquireRWMutex",
    "sync.runtime_SemacquireRWMutexR",
    "sync.runtime_SemacquireWaitGroup",
];

/// How many leaf frames of `frames` (leaf first) `--trim-runtime` drops.
pub fn runtime_leaf_frames(frames: &[FrameId], interner: &Interner) -> usize {
    let parked = frames
        .iter()
        .take_while(|&&id| {
            let func = &interner.get(id).func;
            RUNTIME_LEAF_FRAMES.iter().any(|r| r.as_bytes() == &**func)
        })
        .count();
    parked.min(frames.len().saturating_sub(1))
}

/// Appends `frame`, in `style`, made safe, to `out`.
pub fn push_frame(frame: &Frame, style: FrameStyle, out: &mut String) {
    let mut text = String::from_utf8_lossy(&frame.func).into_owned();
    match style {
        FrameStyle::Func => {}
        FrameStyle::FuncFileLine if !frame.file.is_empty() => {
            text.push(' ');
            text.push_str(&String::from_utf8_lossy(&frame.file));
            text.push_str(&format!(":{}", frame.line));
        }
        FrameStyle::FuncLine if !frame.file.is_empty() => {
            text.push_str(&format!(":{}", frame.line))
        }
        FrameStyle::FuncFileLine | FrameStyle::FuncLine => {}
    }
    push_safe(&text, out);
}

/// Appends `name` to `out` rewritten as the module documentation says.
pub fn push_safe(name: &str, out: &mut String) {
    if name.is_empty() {
        out.push_str("[unknown]");
        return;
    }
    let start = out.len();
    for c in name.chars() {
        out.push(match c {
            ';' => '_',
            c if c.is_control() => ' ',
            c => c,
        });
    }
    let written = &out[start..];
    let digits = written.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    let ends_in_number = digits.len() < written.len()
        && digits.ends_with(' ')
        && written[digits.len()..].starts_with(|c: char| c.is_ascii_digit());
    if ends_in_number {
        let space = start + digits.len() - 1;
        out.replace_range(space..space + 1, "_");
    }
    if out[start..].starts_with('#') {
        out.replace_range(start..start + 1, "_");
    }
}

/// `frames` (leaf first) folded root first, joined by `;`; `[no frames]` for none.
pub fn fold_frames(frames: &[FrameId], style: FrameStyle, interner: &Interner) -> String {
    if frames.is_empty() {
        return "[no frames]".to_string();
    }
    let mut text = String::new();
    for (i, &frame) in frames.iter().rev().enumerate() {
        if i > 0 {
            text.push(';');
        }
        push_frame(interner.get(frame), style, &mut text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FrameRef;

    #[test]
    fn names_are_made_safe() {
        let cases = [
            ("main.(*Server).quote", "main.(*Server).quote"),
            ("type:.eq.[2]interface {}", "type:.eq.[2]interface {}"),
            ("a;b", "a_b"),
            ("line\nbreak\tand\rmore", "line break and more"),
            ("region=eu 12", "region=eu_12"),
            ("x 1.5", "x_1.5"),
            ("x 1a", "x 1a"),
            ("x .5", "x .5"),
            ("12", "12"),
            ("#comment", "_comment"),
            ("", "[unknown]"),
        ];
        for (name, expected) in cases {
            let mut out = String::from("root;");
            push_safe(name, &mut out);
            assert_eq!(out, format!("root;{expected}"), "{name:?}");
        }
    }

    #[test]
    fn frame_styles() {
        let frame = Frame {
            func: b"main.f".to_vec().into(),
            file: b"/a/b.go".to_vec().into(),
            line: 75,
        };
        let address = Frame {
            func: b"0x493b61".to_vec().into(),
            ..Frame::default()
        };
        let cases = [
            (FrameStyle::Func, &frame, "main.f"),
            (FrameStyle::FuncFileLine, &frame, "main.f /a/b.go:75"),
            (FrameStyle::FuncLine, &frame, "main.f:75"),
            (FrameStyle::FuncFileLine, &address, "0x493b61"),
        ];
        for (style, frame, expected) in cases {
            let mut out = String::new();
            push_frame(frame, style, &mut out);
            assert_eq!(out, expected);
        }
        let mut bad = String::new();
        push_frame(
            &Frame {
                func: b"f\xff".to_vec().into(),
                ..Frame::default()
            },
            FrameStyle::Func,
            &mut bad,
        );
        assert_eq!(bad, "f\u{fffd}");
    }

    #[test]
    fn trims_parked_runtime_leaves_but_keeps_one_frame() {
        let mut interner = Interner::new();
        let mut id = |name: &str| {
            interner.frame(FrameRef {
                func: name.as_bytes(),
                file: b"",
                line: 0,
            })
        };
        let (gopark, selectgo, user, wait) = (
            id("runtime.gopark"),
            id("runtime.selectgo"),
            id("main.loop"),
            id("sync.runtime_notifyListWait"),
        );
        let cases: [(&[FrameId], usize); 4] = [
            (&[gopark, selectgo, user], 2),
            (&[user, gopark], 0),
            (&[gopark, selectgo], 1),
            (&[wait, user], 1),
        ];
        for (frames, trimmed) in cases {
            assert_eq!(runtime_leaf_frames(frames, &interner), trimmed);
        }
    }
}
