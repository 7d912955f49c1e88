//! Ctrl-C ends the input as end of file would: each binary, fed part of a
//! log through a pipe that stays open, is sent SIGINT (or SIGTERM) mid-stream
//! and must still write every complete snapshot, report the one cut off as
//! partial, print its summary and exit 128 + the signal.

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use common::{fixture_bytes, run, spawn, stdout};

/// The first `complete` snapshots of the main fixture log, then the first half
/// of the next one (cut inside its records): what a live loop has written
/// when Ctrl-C comes.
fn cut_log(complete: usize) -> (Vec<u8>, Vec<u8>) {
    let log = String::from_utf8(fixture_bytes("go1.27/shop/prof.log")).unwrap();
    let starts: Vec<usize> = log.match_indices("Fri Nov 27").map(|(at, _)| at).collect();
    let whole = log.as_bytes()[..starts[complete]].to_vec();
    let next = &log[starts[complete]..starts[complete + 1]];
    let cut = next[..next.len() / 2].rfind('\n').unwrap() + 1;
    let mut partial = whole.clone();
    partial.extend_from_slice(&next.as_bytes()[..cut]);
    (whole, partial)
}

struct Stopped {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Starts `name args`, writes `input` and keeps the pipe open, waits until
/// the program has read it (its stdout is quiet for a while, or `ready` says
/// so), sends `signal`, and collects what it wrote.
fn interrupt(name: &str, args: &[&str], input: &[u8], signal: &str) -> Stopped {
    let mut child = spawn(name, args);
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    stdin.flush().unwrap();
    let mut out = child.stdout.take().unwrap();
    let reader = thread::spawn(move || {
        let mut text = String::new();
        out.read_to_string(&mut text).unwrap();
        text
    });
    let mut err = child.stderr.take().unwrap();
    let errors = thread::spawn(move || {
        let mut text = String::new();
        err.read_to_string(&mut text).unwrap();
        text
    });
    // Time to read and parse what is in the pipe; the pipe stays open.
    thread::sleep(Duration::from_millis(700));
    let pid = child.id().to_string();
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let started = Instant::now();
    let status = child.wait().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{name} took {:?} to stop",
        started.elapsed()
    );
    drop(stdin);
    Stopped {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: errors.join().unwrap(),
    }
}

#[test]
fn pp_totals_reports_every_snapshot_and_the_cut_one() {
    let (whole, partial) = cut_log(5);
    let stopped = interrupt("pp-totals", &[], &partial, "INT");
    assert_eq!(stopped.code, Some(130), "{}", stopped.stderr);
    let rows: Vec<&str> = stopped.stdout.lines().collect();
    let finished = run("pp-totals", &[], Some(whole));
    let expected = stdout(&finished);
    let expected: Vec<&str> = expected.lines().collect();
    // The header and the five complete rows, exactly as from a log that ended there...
    assert_eq!(rows[..6], expected[..6], "{}", stopped.stdout);
    // ...then the snapshot cut by Ctrl-C, as partial.
    assert_eq!(rows.len(), 7, "{}", stopped.stdout);
    assert!(
        rows[6].starts_with("5,") && rows[6].split(',').nth(6) == Some("partial"),
        "{}",
        rows[6]
    );
    assert_eq!(
        stopped.stderr,
        "pp-totals: 6 snapshots: 5 complete, 1 partial; input ended by SIGINT\n"
    );
}

#[test]
fn sigterm_is_exit_143() {
    let (_, partial) = cut_log(3);
    let stopped = interrupt("pp-totals", &["-q"], &partial, "TERM");
    assert_eq!(stopped.code, Some(143), "{}", stopped.stderr);
    assert_eq!(stopped.stdout.lines().count(), 5, "{}", stopped.stdout);
    assert_eq!(stopped.stderr, "");
}

#[test]
fn pp_totals_leaks_judges_what_was_read() {
    let (_, partial) = cut_log(12);
    let stopped = interrupt("pp-totals", &["--leaks"], &partial, "INT");
    assert_eq!(stopped.code, Some(130), "{}", stopped.stderr);
    let finished = run("pp-totals", &["--leaks"], Some(partial.clone()));
    assert_eq!(stopped.stdout, stdout(&finished));
    assert!(
        stopped
            .stdout
            .lines()
            .nth(1)
            .is_some_and(|row| row.contains("main.(*Server).quote")),
        "{}",
        stopped.stdout
    );
}

#[test]
fn pp_fold_and_pp_split_write_what_they_hold() {
    let (_, partial) = cut_log(4);
    for (name, args) in [
        ("pp-fold", &[][..]),
        ("pp-split", &[][..]),
        ("pp-split", &["--last", "2"][..]),
    ] {
        let stopped = interrupt(name, args, &partial, "INT");
        assert_eq!(stopped.code, Some(130), "{name}: {}", stopped.stderr);
        let finished = run(name, args, Some(partial.clone()));
        assert_eq!(finished.status.code(), Some(0));
        assert_eq!(stopped.stdout, stdout(&finished), "{name} {args:?}");
        assert!(!stopped.stdout.is_empty(), "{name}");
        assert!(
            stopped
                .stderr
                .ends_with("1 partial; input ended by SIGINT\n"),
            "{}",
            stopped.stderr
        );
    }
}

#[test]
fn pp_html_writes_the_whole_page() {
    let (_, partial) = cut_log(6);
    let stopped = interrupt("pp-html", &["--title", "t"], &partial, "INT");
    assert_eq!(stopped.code, Some(130), "{}", stopped.stderr);
    let finished = run("pp-html", &["--title", "t"], Some(partial));
    assert_eq!(stopped.stdout, stdout(&finished));
    assert!(stopped.stdout.trim_end().ends_with("</html>"));
    assert!(
        stopped.stdout.contains("7 snapshots"),
        "the summary counts the cut one"
    );
}
