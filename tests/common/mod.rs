//! Helpers shared by the integration tests: run the real binaries, find
//! fixtures, compare against golden files.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::{env, fs, thread};

/// Path of a file under `tests/fixtures/`.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// Path of a file under `tests/fixtures/`, as a string for a command line.
pub fn path(file: &str) -> String {
    fixture(file).to_str().expect("a UTF-8 path").to_string()
}

/// Runs pp-html and returns the page, asserting success.
pub fn page(args: &[&str], stdin: Option<Vec<u8>>) -> String {
    let output = run("pp-html", args, stdin);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

/// The bytes of a fixture.
pub fn fixture_bytes(path: &str) -> Vec<u8> {
    fs::read(fixture(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Path of a built binary (`pp-totals`).
pub fn bin(name: &str) -> PathBuf {
    match name {
        "pp-totals" => PathBuf::from(env!("CARGO_BIN_EXE_pp-totals")),
        "pp-fold" => PathBuf::from(env!("CARGO_BIN_EXE_pp-fold")),
        "pp-html" => PathBuf::from(env!("CARGO_BIN_EXE_pp-html")),
        "pp-split" => PathBuf::from(env!("CARGO_BIN_EXE_pp-split")),
        other => panic!("no binary {other}"),
    }
}

/// Runs `name args...`, feeding `stdin` from a thread (so large inputs and
/// outputs cannot deadlock); returns its output.
pub fn run(name: &str, args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut child = Command::new(bin(name))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        thread::spawn(move || {
            // The program may stop reading early (--first): a broken pipe here is fine.
            let _ = pipe.write_all(&bytes);
        })
    });
    let output = child.wait_with_output().expect("wait");
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    output
}

/// Starts `name args...` with stdin, stdout and stderr piped.
pub fn spawn(name: &str, args: &[&str]) -> Child {
    Command::new(bin(name))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn")
}

/// Each line of `stdout`, sent on the channel as soon as it is read.
pub fn lines_of(stdout: ChildStdout) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Runs with a file argument and with the same file on stdin; asserts both
/// give the same stdout and exit status, and returns the file run's output.
pub fn run_both(name: &str, args: &[&str], file: &str) -> Output {
    let path = fixture(file);
    let mut with_file = args.to_vec();
    let path_text = path.to_str().unwrap();
    with_file.push(path_text);
    let by_file = run(name, &with_file, None);
    let by_stdin = run(name, args, Some(fixture_bytes(file)));
    assert_eq!(
        String::from_utf8_lossy(&by_file.stdout),
        String::from_utf8_lossy(&by_stdin.stdout),
        "{name} {args:?}: file and stdin differ for {file}"
    );
    assert_eq!(by_file.status.code(), by_stdin.status.code());
    by_file
}

/// Compares `actual` with `tests/expected/<path>`; with `BLESS=1` in the
/// environment, rewrites the file instead (review it before committing).
pub fn golden(path: &str, actual: &[u8]) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/expected")
        .join(path);
    if env::var_os("BLESS").is_some() {
        fs::create_dir_all(file.parent().unwrap()).unwrap();
        fs::write(&file, actual).unwrap();
        return;
    }
    let expected = fs::read(&file).unwrap_or_else(|_| {
        panic!(
            "{} is missing: run with BLESS=1 and review it",
            file.display()
        )
    });
    if expected != actual {
        let (e, a) = (
            String::from_utf8_lossy(&expected),
            String::from_utf8_lossy(actual),
        );
        let first = e.lines().zip(a.lines()).position(|(x, y)| x != y);
        panic!(
            "{} differs (first differing line {:?}):\n--- expected\n{}\n--- actual\n{}",
            file.display(),
            first.map(|n| n + 1),
            first.map_or("", |n| e.lines().nth(n).unwrap()),
            first.map_or("", |n| a.lines().nth(n).unwrap()),
        );
    }
}

/// stdout as text.
pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 stdout")
}

/// stderr as text.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// One record of a made-up goroutine profile: its count, its labels (`{...}`
/// text or empty) and its frames, leaf first, as (function, line).
pub type MadeRecord = (u64, String, Vec<(String, u32)>);

/// A made-up gathering log: `snapshots` goroutine profiles (debug=1), a
/// `date +%s` timestamp a second apart, with the records `records(i)`.
pub fn gathering_log(snapshots: usize, records: impl Fn(usize) -> Vec<MadeRecord>) -> Vec<u8> {
    let mut log = String::new();
    for i in 0..snapshots {
        let records = records(i);
        let total: u64 = records.iter().map(|r| r.0).sum();
        log.push_str(&format!(
            "{}\ngoroutine profile: total {total}\n",
            1_795_000_000 + i
        ));
        for (count, labels, frames) in records {
            let pcs: Vec<String> = (1..=frames.len()).map(|n| format!("0x{n:x}")).collect();
            log.push_str(&format!("{count} @ {}\n", pcs.join(" ")));
            if !labels.is_empty() {
                log.push_str(&format!("# labels: {labels}\n"));
            }
            for (pc, (func, line)) in pcs.iter().zip(&frames) {
                log.push_str(&format!("#\t{pc}\t{func}+0x1\t/src/main.go:{line}\n"));
            }
            log.push('\n');
        }
    }
    log.into_bytes()
}
