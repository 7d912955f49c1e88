//! Live output: a row appears as soon as its snapshot is complete, while the
//! writer (a gathering loop) keeps the pipe open.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{fixture_bytes, lines_of, spawn};

/// The first `n` snapshots of the main fixture log, each as (date line + profile) bytes.
fn snapshots(n: usize) -> Vec<Vec<u8>> {
    let log = String::from_utf8(fixture_bytes("go1.27/shop/prof.log")).unwrap();
    let mut parts: Vec<Vec<u8>> = Vec::new();
    for line in log.split_inclusive('\n') {
        if line.starts_with("Fri Nov 27") {
            parts.push(Vec::new());
        }
        parts.last_mut().unwrap().extend_from_slice(line.as_bytes());
    }
    parts.truncate(n);
    parts
}

#[test]
fn pp_totals_writes_each_row_before_the_next_snapshot_starts() {
    let mut child = spawn("pp-totals", &[]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    let next_row = || {
        rx.recv_timeout(Duration::from_secs(10))
            .expect("a row while stdin is open")
    };

    for (i, snapshot) in snapshots(3).iter().enumerate() {
        stdin.write_all(snapshot).unwrap();
        stdin.flush().unwrap();
        if i == 0 {
            // The first snapshot decides the columns: the header comes with its row.
            assert_eq!(next_row(), "index,time,elapsed_s,kind,total,records,status");
        }
        let row = next_row();
        assert!(row.starts_with(&format!("{i},2026-11-27T15:13:")), "{row}");
        assert!(row.ends_with(",complete"), "{row}");
    }
    // A date line alone is not complete until the next one (or the end) comes.
    stdin.write_all(b"Fri Nov 27 15:14:59 IST 2026\n").unwrap();
    stdin.flush().unwrap();
    assert!(
        rx.recv_timeout(Duration::from_millis(300)).is_err(),
        "no row for a bare date line yet"
    );
    drop(stdin);
    assert_eq!(next_row(), "3,2026-11-27T15:14:59,92,,,0,missing");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

#[test]
fn pp_split_writes_each_json_line_live_too() {
    let mut child = spawn("pp-split", &[]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    for (i, snapshot) in snapshots(2).iter().enumerate() {
        stdin.write_all(snapshot).unwrap();
        stdin.flush().unwrap();
        let line = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a JSON line while stdin is open");
        assert!(line.starts_with(&format!("{{\"index\":{i},")), "{line}");
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn pp_totals_by_stack_is_live_too() {
    let mut child = spawn("pp-totals", &["--by", "stack"]);
    let mut stdin = child.stdin.take().unwrap();
    let rx = lines_of(child.stdout.take().unwrap());
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(10)).unwrap(),
        "index,time,elapsed_s,key,count"
    );
    stdin.write_all(&snapshots(1)[0]).unwrap();
    stdin.flush().unwrap();
    let quote = "0,2026-11-27T15:13:27,0,main.(*Server).quote,29";
    loop {
        let row = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the snapshot's rows while stdin is open");
        if row == quote {
            break;
        }
        assert!(row.starts_with("0,"), "{row}");
    }
    drop(stdin);
    assert_eq!(child.wait().unwrap().code(), Some(0));
}
