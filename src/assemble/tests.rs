//! The assembler on small hand-written inputs: statuses, boundaries, liveness.

use super::*;
use crate::input::line::LineReader;

/// Records each snapshot as `index status kind total counts [error]`.
#[derive(Default)]
struct Collect {
    seen: Vec<String>,
}

impl Consumer for Collect {
    fn snapshot(&mut self, s: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let counts: Vec<String> = s
            .records
            .iter()
            .map(|r| {
                let depth = interner.frames_of(r.stack).len();
                format!("{}x{depth}{}", r.count, if r.truncated { "t" } else { "" })
            })
            .collect();
        let mut text = format!(
            "{} {} {} {} [{}]",
            s.index,
            s.status.as_str(),
            if s.kind.is_empty() {
                "-"
            } else {
                s.kind.as_str()
            },
            s.total.map_or("-".to_string(), |t| t.to_string()),
            counts.join(" ")
        );
        if let Some(error) = &s.error {
            text.push_str(&format!(" {error:?}"));
        }
        self.seen.push(text);
        Ok(())
    }
}

fn assemble(input: &str, options: Options) -> (Vec<String>, Stats) {
    let mut assembler = Assembler::new(options);
    let mut collect = Collect::default();
    let lines = LineReader::with_capacity(input.as_bytes(), 3, 1 << 20);
    crate::pipeline::feed_lines(lines, "t", &mut assembler, &mut collect).unwrap();
    (collect.seen, assembler.stats().clone())
}

fn seen(input: &str) -> Vec<String> {
    assemble(input, Options::default()).0
}

const TS: &str = "Fri Nov 27 15:13:27 IST 2026\n";
const PROFILE: &str = "goroutine profile: total 3\n\
    2 @ 0x10 0x20 0x30\n\
    # labels: {\"a\":\"b\"}\n\
    #\t0xf\tmain.leaf+0x1\t/a.go:1\n\
    #\t0x1f\tmain.root+0x1\t/a.go:2\n\
    \n\
    1 @ 0x493b61\n\
    \n";

#[test]
fn statuses_of_a_gathering_log() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            format!("{TS}{PROFILE}"),
            vec!["0 complete goroutine 3 [2x2 1x0]"],
        ),
        (
            format!("{TS}{TS}{PROFILE}"),
            vec!["0 missing - - []", "1 complete goroutine 3 [2x2 1x0]"],
        ),
        (
            format!("{TS}{PROFILE}{TS}"),
            vec!["0 complete goroutine 3 [2x2 1x0]", "1 missing - - []"],
        ),
        (
            PROFILE.to_string(),
            vec!["0 complete goroutine 3 [2x2 1x0]"],
        ),
        (
            format!("{TS}Unknown profile\n{TS}"),
            vec!["0 error - - [] \"Unknown profile\"", "1 missing - - []"],
        ),
        (
            format!("{TS}<html>\n<body>\n</html>\n{PROFILE}"),
            vec![
                "0 error - - [] \"<html>\"",
                "1 complete goroutine 3 [2x2 1x0]",
            ],
        ),
        (
            format!("{TS}502 Bad Gateway\n"),
            vec!["0 error - - [] \"502 Bad Gateway\""],
        ),
        (
            "goroutine profile: total 5\n2 @ 0x1\n\n".to_string(),
            vec!["0 partial goroutine 5 [2x0]"],
        ),
        (
            "goroutine profile: total 0\n".to_string(),
            vec!["0 complete goroutine 0 []"],
        ),
        (
            format!("{PROFILE}{PROFILE}"),
            vec![
                "0 complete goroutine 3 [2x2 1x0]",
                "1 complete goroutine 3 [2x2 1x0]",
            ],
        ),
        (
            "goroutine profile: total 9\n1 @ 0x1\n\nthreadcreate profile: total 1\n1 @\n#\t0x0\n\n"
                .to_string(),
            vec![
                "0 partial goroutine 9 [1x0]",
                "1 complete threadcreate 1 [1x1]",
            ],
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(seen(&input), expected, "{input}");
    }
}

#[test]
fn a_cut_final_line_makes_the_snapshot_partial() {
    let cut =
        "goroutine profile: total 1\n1 @ 0x2 0x3\n#\t0x1\tmain.f+0x1\t/a.go:1\n#\t0x2\tmain.g";
    assert_eq!(seen(cut), ["0 partial goroutine 1 [1x1]"]);
    let whole = "goroutine profile: total 1\n1 @ 0x2 0x3\n#\t0x1\tmain.f+0x1\t/a.go:1\n";
    assert_eq!(seen(whole), ["0 complete goroutine 1 [1x1]"]);
}

#[test]
fn unknown_lines_are_counted_and_strict_stops() {
    let input = format!("{TS}{PROFILE}stray text\n{TS}junk before\n{PROFILE}");
    let (snapshots, stats) = assemble(&input, Options::default());
    assert_eq!(snapshots.len(), 2);
    assert_eq!(stats.unknown_lines, 2);
    assert_eq!(stats.unknown_at, ["t:10", "t:12"]);
    assert_eq!(
        stats.summary(),
        "2 snapshots: 2 complete; 2 unknown lines skipped (t:10, t:12)"
    );

    let strict = Options {
        strict: true,
        ..Options::default()
    };
    let mut assembler = Assembler::new(strict);
    let lines = LineReader::new(input.as_bytes());
    let error = crate::pipeline::feed_lines(lines, "t", &mut assembler, &mut Collect::default())
        .unwrap_err();
    assert_eq!(error.to_string(), "t:10: unexpected line \"stray text\"");
}

#[test]
fn a_snapshot_is_handed_on_at_its_last_line() {
    let mut assembler = Assembler::new(Options::default());
    let mut collect = Collect::default();
    assembler.begin_source("t");
    let input = format!("{TS}{PROFILE}");
    let mut reader = LineReader::new(input.as_bytes());
    reader.fill().unwrap();
    let mut lines_read = 0;
    while let Some(line) = reader.next_buffered() {
        assembler.line(line, &mut collect).unwrap();
        lines_read += 1;
        let expected = usize::from(lines_read == 9);
        assert_eq!(collect.seen.len(), expected, "after line {lines_read}");
    }
}

#[test]
fn depth_limited_stacks_are_truncated() {
    let pcs: Vec<String> = (0..32).map(|i| format!("0x{:x}", 0x100 + i)).collect();
    let input = format!(
        "goroutine profile: total 1\n1 @ {}\n#\t0x{:x}\tmain.f+0x1\t/a.go:1\n\n",
        pcs.join(" "),
        0x100 + 31 - 1
    );
    assert_eq!(seen(&input), ["0 complete goroutine 1 [1x1t]"]);
}

#[test]
fn counts_only_skips_stacks() {
    let options = Options {
        detail: Detail::Counts,
        ..Options::default()
    };
    let (snapshots, _) = assemble(&format!("{TS}{PROFILE}"), options);
    assert_eq!(snapshots, ["0 complete goroutine 3 [2x0 1x0]"]);
}

#[test]
fn json_lines_are_snapshots() {
    let json = r#"{"time_raw":"1795772723","kind":"goroutine","total":2,"status":"complete","records":[{"count":2,"frames":[{"func":"main.f","file":"a.go","line":1}]}]}"#;
    let input = format!("{json}\n{{not json\n{TS}");
    let (snapshots, stats) = assemble(&input, Options::default());
    assert_eq!(
        snapshots,
        ["0 complete goroutine 2 [2x1]", "1 missing - - []"]
    );
    assert_eq!(stats.unknown_lines, 1);
}

#[test]
fn raw_bytes_are_the_snapshot_lines() {
    let options = Options {
        keep_raw: true,
        ..Options::default()
    };
    let input = format!("{TS}{PROFILE}stray\r\n{TS}");
    let mut assembler = Assembler::new(options);
    struct Raw(Vec<Vec<u8>>);
    impl Consumer for Raw {
        fn snapshot(&mut self, s: &Snapshot, _: &Interner) -> Result<(), Error> {
            self.0.push(s.raw.clone());
            Ok(())
        }
    }
    let mut raw = Raw(Vec::new());
    crate::pipeline::feed(input.as_bytes(), "t", &mut assembler, &mut raw).unwrap();
    assert_eq!(
        raw.0,
        [
            format!("{TS}{PROFILE}").into_bytes(),
            TS.as_bytes().to_vec()
        ]
    );
}

#[test]
fn a_glued_timestamp_behind_a_logger_prefix_keeps_the_raw_bytes() {
    // Found by tests/robust.rs: the prefix is stripped from the text, not from the raw bytes.
    let input =
        "#\t0xgoroutine 1 [running]:\n#\t0x1\tmain.f+0x1\t/a.goFri Nov 27 15:13:27 IST 2026\n";
    let options = Options {
        keep_raw: true,
        ..Options::default()
    };
    let mut assembler = Assembler::new(options);
    struct Raw(Vec<u8>);
    impl Consumer for Raw {
        fn snapshot(&mut self, s: &Snapshot, _: &Interner) -> Result<(), Error> {
            self.0.extend_from_slice(&s.raw);
            Ok(())
        }
    }
    let mut raw = Raw(Vec::new());
    crate::pipeline::feed(input.as_bytes(), "t", &mut assembler, &mut raw).unwrap();
    assert_eq!(String::from_utf8(raw.0).unwrap(), input);
}
