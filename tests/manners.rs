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
