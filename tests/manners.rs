//! Issue 13's "validation instead of silence" and real-dump cases, each with
//! the command a user ran when the answer was silently wrong.

mod common;

use common::{path, run, stderr, stdout};

/// `pp-fold --kind goroutin prof.log` printed nothing and exited 0.
#[test]
fn a_kind_absent_from_the_input_is_an_error_naming_the_kinds_found() {
    let log = path("go1.27/shop/prof.log");
    for binary in ["pp-fold", "pp-html"] {
        let out = run(binary, &["--kind", "goroutin", &log], None);
        assert_eq!(out.status.code(), Some(1), "{binary}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{binary} wrote {}", stdout(&out));
        assert!(
            stderr(&out).contains("no goroutin profiles in the input; it holds goroutine (50)"),
            "{binary}: {}",
            stderr(&out)
        );
    }
    // A kind the input holds among others still works, and names nothing.
    let goroutine = path("go1.27/shop/snapshots/goroutine-debug1.txt");
    let threads = path("go1.27/shop/snapshots/threadcreate-debug1.txt");
    let chosen = run(
        "pp-fold",
        &["--kind", "threadcreate", &goroutine, &threads],
        None,
    );
    assert_eq!(chosen.status.code(), Some(0), "{}", stderr(&chosen));
}

/// `pp-split --since '2026-11-27T15:14:00+05:30'` on a log with zone-name
/// times (`IST`) kept all 50 snapshots: 18 are at or after 15:14:00 IST.
#[test]
fn an_offset_is_not_compared_with_wall_clock_times() {
    let log = path("go1.27/shop/prof.log");
    let since = "2026-11-27T15:14:00+05:30";
    let out = run("pp-split", &["--since", since, &log], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains(
            "has an offset, but the input's times (\"Fri Nov 27 15:13:27 IST 2026\") have none"
        ) && stderr(&out).contains("--tz"),
        "{}",
        stderr(&out)
    );
    // --tz resolves it, by an IANA zone or an offset; a bound without an
    // offset is read in the same zone.
    for args in [
        &["--tz", "Asia/Kolkata", "--since", since][..],
        &["--tz", "+05:30", "--since", since],
        &["--tz", "+05:30", "--since", "2026-11-27T15:14:00"],
        &["--since", "2026-11-27T15:14:00"],
    ] {
        let out = run("pp-split", &[args, &[log.as_str()]].concat(), None);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let kept: Vec<&str> = stdout(&out).leak().lines().collect();
        assert_eq!(kept.len(), 18, "{args:?}");
        assert!(
            kept[0].contains("\"time_raw\":\"Fri Nov 27 15:14:00 IST 2026\""),
            "{}",
            kept[0]
        );
    }
    // The reverse: a bound without an offset on times with one.
    let iso = path("go1.27/shop/prof-iso.log");
    let out = run("pp-split", &["--since", "2026-11-27T15:14:00", &iso], None);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no offset, but the input's times"),
        "{}",
        stderr(&out)
    );
}

/// `--tz` gives pp-totals' time column the offset; a zone that does not exist is a usage error.
#[test]
fn tz_gives_wall_clock_times_their_offset() {
    let log = path("go1.27/shop/prof.log");
    let out = run("pp-totals", &["--tz", "Asia/Kolkata", &log], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.lines().nth(1).unwrap();
    assert!(
        first.starts_with("0,2026-11-27T15:13:27+05:30,0,"),
        "{first}"
    );
    let bad = run("pp-totals", &["--tz", "Mars/Olympus", &log], None);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("is not a time zone"),
        "{}",
        stderr(&bad)
    );
}

/// `[2020-11-10 19:49:52.146]threadcreate profile: total 1013`: a logger's
/// bracketed timestamp glued to the header lost the whole profile into
/// "unknown lines". Any profile header after a logger prefix starts a snapshot.
#[test]
fn a_logger_timestamp_glued_to_a_profile_header_starts_a_snapshot() {
    let mut log = Vec::new();
    for (stamp, file) in [
        ("[2020-11-10 19:49:52.146]", "threadcreate-debug1.txt"),
        ("2020/11/10 19:49:53 ", "goroutine-debug1.txt"),
        ("app: ", "heap-debug1.txt"),
    ] {
        log.extend_from_slice(stamp.as_bytes());
        log.extend(common::fixture_bytes(&format!(
            "go1.27/shop/snapshots/{file}"
        )));
    }
    let out = run("pp-totals", &[], Some(log));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: Vec<String> = stdout(&out)
        .lines()
        .skip(1)
        .map(|row| row.split(',').take(7).collect::<Vec<_>>().join(","))
        .collect();
    assert_eq!(
        rows,
        [
            "0,2020-11-10T19:49:52.146,0,threadcreate,9,2,complete",
            "1,2020-11-10T19:49:53,0.854,goroutine,754,22,complete",
            "2,,,heap,,33,complete",
        ]
    );
    assert_eq!(stderr(&out), "pp-totals: 3 snapshots: 3 complete\n");
}

/// The status pp-totals gives the one snapshot of `bytes`.
fn status(bytes: &[u8]) -> String {
    let out = run("pp-totals", &["-q"], Some(bytes.to_vec()));
    let row = stdout(&out).lines().nth(1).unwrap().to_string();
    row.split(',').nth(6).unwrap().to_string()
}

/// A CRLF profile whose last line lost only its `\n` was called `partial`
/// though every record was there; a line cut inside its text still is.
#[test]
fn a_crlf_profile_without_its_last_newline_is_complete() {
    let text = common::fixture_bytes("go1.27/shop/snapshots/goroutine-debug1.txt");
    let crlf: Vec<u8> = String::from_utf8(text)
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes();
    assert_eq!(status(&crlf), "complete");
    // `…:746\r\n\r` (a blank last line) and `…:746\r` (the last frame line).
    assert_eq!(status(&crlf[..crlf.len() - 1]), "complete");
    assert_eq!(status(&crlf[..crlf.len() - 3]), "complete");
    // `…:74`: cut inside the frame line.
    assert_eq!(status(&crlf[..crlf.len() - 5]), "partial");
}

/// A legacy heap header counts every allocation in its alloc columns, far
/// above the sampled records: judged by its in-use columns only.
#[test]
fn a_legacy_heap_header_is_judged_by_its_in_use_columns() {
    let text = String::from_utf8(common::fixture_bytes(
        "go1.27/shop/snapshots/heap-debug1.txt",
    ))
    .unwrap();
    let (header, rest) = text.split_once('\n').unwrap();
    assert_eq!(
        header,
        "heap profile: 3: 1280 [67: 13766480] @ heap/1048576"
    );
    let legacy = format!("heap profile: 3: 1280 [90067: 913766480] @ heap/1048576\n{rest}");
    let cut_in_use = format!("heap profile: 4: 1280 [67: 13766480] @ heap/1048576\n{rest}");
    assert_eq!(status(text.as_bytes()), "complete");
    assert_eq!(status(legacy.as_bytes()), "complete");
    assert_eq!(status(cut_in_use.as_bytes()), "partial");
}

/// `1 @ 0x493b61` (a goroutine not started yet) has no frame lines: it was
/// named by its address, which means nothing without the binary.
#[test]
fn a_stack_without_frames_is_named_no_frames() {
    let log = path("go1.27/shop/prof.log");
    let folded = stdout(&run("pp-fold", &["-q", &log], None));
    assert!(folded.starts_with("[no frames] 10\n"), "{}", &folded[..80]);
    assert!(!folded.contains("0x493b61"));
    let by_func = stdout(&run("pp-totals", &["-q", "--by", "stack", &log], None));
    assert!(by_func.contains(",[no frames],"), "{}", &by_func[..300]);
}
