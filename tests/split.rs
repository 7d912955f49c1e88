//! pp-split: the JSON schema on real logs, text that round-trips, one file
//! per snapshot, and the selection flags.

mod common;

use std::fs;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bin, fixture, fixture_bytes, golden, path, run, run_both, stderr, stdout};
use serde_json::Value;

const LOGS: &[&str] = &[
    "go1.27/shop/prof.log",
    "go1.27/shop/prof-iso.log",
    "go1.27/shop/prof-epoch.log",
    "go1.27/shop/prof-restart.log",
    "go1.27/shop/prof-truncated.log",
    "go1.27/shop/prof-error-body.log",
    "go1.19/shop/prof.log",
    "go1.19/batch/prof.log",
];

fn json_lines(output: &std::process::Output) -> Vec<Value> {
    stdout(output)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn indexes(output: &std::process::Output) -> Vec<u64> {
    json_lines(output)
        .iter()
        .map(|v| v["index"].as_u64().unwrap())
        .collect()
}

#[test]
fn json_schema_on_the_main_log() {
    let output = run_both("pp-split", &[], "go1.27/shop/prof.log");
    let snapshots = json_lines(&output);
    assert_eq!(snapshots.len(), 50);
    let first = &snapshots[0];
    assert_eq!(first["index"], 0);
    assert_eq!(first["time"], "2026-11-27T15:13:27");
    assert_eq!(first["time_raw"], "Fri Nov 27 15:13:27 IST 2026");
    assert_eq!(
        (first["kind"].as_str(), first["total"].as_u64()),
        (Some("goroutine"), Some(55))
    );
    assert_eq!(
        (first["status"].as_str(), &first["error"]),
        (Some("complete"), &Value::Null)
    );
    let records = first["records"].as_array().unwrap();
    assert_eq!(records.len(), 23);
    assert_eq!(
        records
            .iter()
            .map(|r| r["count"].as_u64().unwrap())
            .sum::<u64>(),
        55
    );
    let quote = &records[0];
    assert_eq!(quote["count"], 10);
    assert_eq!(
        quote["labels"],
        serde_json::json!({"handler": "order", "region": "ap"})
    );
    assert_eq!(
        quote["frames"],
        serde_json::json!([{"func": "main.(*Server).quote", "file": "/home/dev/shop/server.go", "line": 75}])
    );
    // Leaf first: the mutex waiter's leaf is the runtime semaphore.
    let mutex = &records[3]["frames"];
    assert_eq!(mutex[0]["func"], "internal/sync.runtime_SemacquireMutex");
    assert_eq!(mutex[5]["func"], "main.reserver");
    // The 150-deep recursion is cut at 128 PCs.
    let deep: Vec<&Value> = records.iter().filter(|r| r["truncated"] == true).collect();
    assert_eq!(deep.len(), 1);
    assert_eq!(
        deep[0]["frames"][0]["func"],
        "main.(*Category).indexDepthFirst"
    );
    // A goroutine not started yet has no frame lines: its stack is empty
    // (pp-fold names it `[no frames]`), not its unsymbolized address.
    assert!(snapshots.iter().any(|s| {
        s["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["frames"] == serde_json::json!([]) && r["count"] == 1)
    }));
}

#[test]
fn odd_snapshots_say_what_they_are() {
    let error = json_lines(&run(
        "pp-split",
        &[fixture("go1.27/shop/prof-error-body.log").to_str().unwrap()],
        None,
    ));
    assert_eq!(error[0]["status"], "error");
    assert_eq!(
        error[0]["error"],
        "seconds and debug params are incompatible"
    );
    assert_eq!(
        (&error[0]["kind"], &error[0]["total"]),
        (&Value::Null, &Value::Null)
    );
    let restart = json_lines(&run(
        "pp-split",
        &[fixture("go1.27/shop/prof-restart.log").to_str().unwrap()],
        None,
    ));
    let missing: Vec<u64> = restart
        .iter()
        .filter(|s| s["status"] == "missing")
        .map(|s| s["index"].as_u64().unwrap())
        .collect();
    assert_eq!(missing, [15, 16, 17, 18]);
    let cut = json_lines(&run(
        "pp-split",
        &[fixture("go1.27/shop/prof-truncated.log").to_str().unwrap()],
        None,
    ));
    let last = cut.last().unwrap();
    assert_eq!(
        (last["index"].as_u64(), last["status"].as_str()),
        (Some(32), Some("partial"))
    );
    let counted: u64 = last["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!((counted, last["total"].as_u64()), (364, Some(378)));
}

/// Small real profiles, whole, as golden JSON (reviewed by hand).
#[test]
fn golden_json_for_threadcreate_profiles() {
    for (file, name) in [
        (
            "go1.27/shop/snapshots/threadcreate-debug1.txt",
            "go1.27-threadcreate.jsonl",
        ),
        (
            "go1.19/shop/snapshots/threadcreate-debug1.txt",
            "go1.19-threadcreate.jsonl",
        ),
    ] {
        let output = run_both("pp-split", &["-q"], file);
        golden(&format!("pp-split/{name}"), &output.stdout);
    }
}

#[test]
fn text_is_the_input_bytes_and_reads_back_the_same() {
    for log in LOGS {
        let input = fixture_bytes(log);
        let text = run_both("pp-split", &["--text", "-q"], log);
        // Byte for byte, even the cut-off log's last line without its newline.
        assert!(text.stdout == input, "{log}: --text is not the input");
        let json = run("pp-split", &["-q"], Some(input));
        let again = run("pp-split", &["-q"], Some(text.stdout));
        assert_eq!(stdout(&again), stdout(&json), "{log}");
    }
}

/// Two files, the first cut off mid-line: the second still starts on a line
/// of its own, and every snapshot keeps its status.
#[test]
fn text_after_a_cut_snapshot_starts_a_new_line() {
    let cut = fixture("go1.27/shop/prof-truncated.log");
    let whole = fixture("go1.27/shop/prof-iso.log");
    let args = ["-q", cut.to_str().unwrap(), whole.to_str().unwrap()];
    let mut text_args = vec!["--text"];
    text_args.extend(args);
    let text = run("pp-split", &text_args, None);
    let direct = json_lines(&run("pp-split", &args, None));
    let again = json_lines(&run("pp-split", &["-q"], Some(text.stdout)));
    let statuses = |s: &[Value]| {
        s.iter()
            .map(|v| v["status"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(statuses(&again), statuses(&direct));
    assert_eq!(again.len(), 33 + 40);
}

#[test]
fn text_rebuilt_from_json_reads_back_the_same() {
    for log in LOGS {
        let json = run("pp-split", &["-q", fixture(log).to_str().unwrap()], None);
        let text = run("pp-split", &["--text", "-q"], Some(json.stdout.clone()));
        let again = run("pp-split", &["-q"], Some(text.stdout));
        let (a, b) = (json_lines(&json), json_lines(&again));
        assert_eq!(a.len(), b.len(), "{log}");
        for (x, y) in a.iter().zip(&b) {
            // A cut-off snapshot's rebuilt text is whole again: only its status says it was cut.
            if x["status"] == "partial" && x["total"] != Value::Null {
                assert_eq!(x["records"], y["records"], "{log}");
                continue;
            }
            assert_eq!(x, y, "{log}");
        }
    }
}

#[test]
fn dir_writes_one_file_per_snapshot_and_never_overwrites() {
    let dir = std::env::temp_dir().join(format!("pp-split-test-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let dir_arg = dir.join("out");
    let log = fixture("go1.27/shop/prof-restart.log");
    let args = [
        "-q",
        "--dir",
        dir_arg.to_str().unwrap(),
        log.to_str().unwrap(),
    ];
    let output = run("pp-split", &args, None);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let paths: Vec<String> = stdout(&output).lines().map(String::from).collect();
    assert_eq!(paths.len(), 45);
    assert_eq!(paths[0], dir_arg.join("000000.txt").to_str().unwrap());
    let joined: Vec<u8> = paths.iter().flat_map(|p| fs::read(p).unwrap()).collect();
    assert!(
        joined == fixture_bytes("go1.27/shop/prof-restart.log"),
        "files are the input, split"
    );
    assert_eq!(
        fs::read_to_string(&paths[15]).unwrap(),
        "Fri Nov 27 15:16:22 IST 2026\n"
    );

    let again = run("pp-split", &args, None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("000000.txt: file exists (use --force to overwrite)"),
        "{}",
        stderr(&again)
    );
    let forced = run(
        "pp-split",
        &["--force", args[0], args[1], args[2], args[3]],
        None,
    );
    assert_eq!(forced.status.code(), Some(0));
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn selection_flags() {
    let log = fixture("go1.27/shop/prof.log");
    let log = log.to_str().unwrap();
    let cases: &[(&[&str], Vec<u64>)] = &[
        (&["--first", "2"], vec![0, 1]),
        (&["--last", "2"], vec![48, 49]),
        (&["--every", "10"], vec![0, 10, 20, 30, 40]),
        (&["--every", "10", "--last", "2"], vec![30, 40]),
        (
            &[
                "--since",
                "Fri Nov 27 15:14:10 IST 2026",
                "--until",
                "2026-11-27T15:14:12",
            ],
            vec![42, 43, 44],
        ),
        (&["--status", "partial,missing,error"], vec![]),
    ];
    for (flags, expected) in cases {
        let mut args = flags.to_vec();
        args.extend(["-q", log]);
        assert_eq!(
            indexes(&run("pp-split", &args, None)),
            *expected,
            "{flags:?}"
        );
    }
    let restart = fixture("go1.27/shop/prof-restart.log");
    let missing = run(
        "pp-split",
        &["-q", "--status", "missing", restart.to_str().unwrap()],
        None,
    );
    assert_eq!(indexes(&missing), [15, 16, 17, 18]);
}

/// `--first 1` on a live pipe exits once it has its snapshot, without waiting
/// for the writer to close the pipe.
#[test]
fn first_stops_reading() {
    let mut child = Command::new(bin("pp-split"))
        .args(["--first", "1", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let log = fixture_bytes("go1.27/shop/prof.log");
    stdin.write_all(&log[..40_000]).unwrap();
    stdin.flush().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "pp-split --first 1 kept reading"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(indexes(&output), [0]);
}

/// A schema `{a, b, c: [{d, e}]}` as nested key sets: each key, with the
/// schema of the objects in its list where it holds one.
#[derive(Debug, PartialEq, Default)]
struct Schema(std::collections::BTreeMap<String, Option<Schema>>);

/// Parses the first `{...}` of `text` as a [`Schema`].
fn parse_schema(text: &str) -> Schema {
    fn object(text: &mut &str) -> Schema {
        let mut schema = Schema::default();
        *text = text.strip_prefix('{').expect("{");
        loop {
            let end = text.find([',', ':', '}']).expect("a key");
            let key = text[..end].trim().to_string();
            let delimiter = text.as_bytes()[end];
            *text = &text[end + 1..];
            let inner = (delimiter == b':').then(|| {
                *text = text.trim_start().strip_prefix('[').expect("[");
                let inner = object(text);
                *text = text.strip_prefix(']').expect("]");
                inner
            });
            schema.0.insert(key, inner);
            let delimiter = if delimiter == b':' {
                let d = text.as_bytes()[0];
                *text = &text[1..];
                d
            } else {
                delimiter
            };
            if delimiter == b'}' {
                return schema;
            }
        }
    }
    let mut rest = &text[text.find('{').expect("a schema")..];
    object(&mut rest)
}

/// The schema of real output: the union of the keys of every snapshot, record and frame.
fn schema_of(snapshots: &[Value]) -> Schema {
    let keys = |objects: &mut dyn Iterator<Item = &Value>| {
        let mut keys = std::collections::BTreeSet::new();
        for object in objects {
            keys.extend(object.as_object().unwrap().keys().cloned());
        }
        keys
    };
    let records: Vec<&Value> = snapshots
        .iter()
        .flat_map(|s| s["records"].as_array().unwrap())
        .collect();
    let frames: Vec<&Value> = records
        .iter()
        .flat_map(|r| r["frames"].as_array().unwrap())
        .collect();
    let leaf = |set: std::collections::BTreeSet<String>| -> Schema {
        Schema(set.into_iter().map(|k| (k, None)).collect())
    };
    let mut record = leaf(keys(&mut records.iter().copied()));
    record.0.insert(
        "frames".into(),
        Some(leaf(keys(&mut frames.iter().copied()))),
    );
    let mut snapshot = leaf(keys(&mut snapshots.iter()));
    snapshot.0.insert("records".into(), Some(record));
    snapshot
}

/// The JSON schema in `pp-split --help` (and so in its man page) names
/// exactly the keys real output has, on a gathering log, a heap profile
/// with its MemStats trailer, a debug=2 dump and a labelled log.
#[test]
fn the_documented_json_schema_is_the_output_schema() {
    let help = stdout(&run("pp-split", &["--help"], None));
    let documented = parse_schema(&help);
    let mut snapshots = Vec::new();
    for file in [
        "go1.27/shop/prof.log",
        "go1.27/shop/snapshots/heap-debug1.txt",
        "go1.27/shop/prof-debug2.log",
        "go1.19/batch/prof.log",
    ] {
        let out = run("pp-split", &["-q", &path(file)], None);
        for line in stdout(&out).lines() {
            snapshots.push(serde_json::from_str::<Value>(line).unwrap());
        }
    }
    assert_eq!(documented, schema_of(&snapshots));
    let man = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/man/pp-split.1"))
        .unwrap()
        .replace("\\-", "-")
        .replace('\n', " ");
    assert_eq!(
        parse_schema(&man),
        documented,
        "the man page is older than --help"
    );
}

/// `wait_minutes` is null for a group none of whose goroutines had `, N
/// minutes` in its header, and [least, most] once one had, the others
/// counting 0: on the real Go 1.27 dump log, the `chan send` goroutines of
/// the leak have no wait until snapshot 12, then `[chan send, 1 minutes]`
/// next to the younger ones. `waited` counts the goroutines that said so.
#[test]
fn wait_minutes_are_null_without_a_wait() {
    let out = run(
        "pp-split",
        &["-q", &path("go1.27/shop/prof-debug2.log")],
        None,
    );
    let snapshots = json_lines(&out);
    assert!(snapshots.len() > 13);
    let chan_send = |snap: &Value| -> Vec<Value> {
        snap["records"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["state"] == "chan send")
            .map(|r| r["wait_minutes"].clone())
            .collect()
    };
    for snap in &snapshots[..12] {
        assert_eq!(chan_send(snap), vec![Value::Null], "{}", snap["index"]);
    }
    assert_eq!(chan_send(&snapshots[12]), vec![serde_json::json!([0, 1])]);
    for snap in &snapshots {
        for record in snap["records"].as_array().unwrap() {
            assert_ne!(record["wait_minutes"], serde_json::json!([0, 0]));
        }
    }
    let text = fixture_bytes("go1.27/shop/prof-debug2.log");
    let text = String::from_utf8_lossy(&text);
    assert!(text.contains("[chan send, 1 minutes]"));
    // `waited`: every snapshot's sum is its headers that say `N minutes`.
    let headers_with_a_wait: Vec<u64> = text
        .split("\nFri ")
        .map(|snap| {
            snap.lines()
                .filter(|l| l.starts_with("goroutine ") && l.contains(" minutes"))
                .count() as u64
        })
        .collect();
    let waited: Vec<u64> = snapshots
        .iter()
        .map(|snap| {
            let records = snap["records"].as_array().unwrap();
            for r in records {
                let (count, waited) = (r["count"].as_u64().unwrap(), r["waited"].as_u64().unwrap());
                assert!(waited <= count);
                assert_eq!(
                    waited == 0,
                    r["wait_minutes"].is_null() || r["wait_minutes"][1] == 0
                );
            }
            records.iter().map(|r| r["waited"].as_u64().unwrap()).sum()
        })
        .collect();
    assert_eq!(waited, headers_with_a_wait);
    assert!(waited.iter().any(|&w| w > 100));
}
