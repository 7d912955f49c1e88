//! pp-totals on every real gathering log: golden CSV, the fixtures' own
//! index as an independent oracle, exit statuses and the stderr summary.

mod common;

use std::collections::BTreeMap;

use common::{fixture, fixture_bytes, golden, run, run_both, stderr, stdout};

/// Every gathering log, with the summary pp-totals must print for it.
/// A goroutine log's header: the value columns come only for heap and
/// contention profiles (or with `--values`).
const HEADER: &str = "index,time,elapsed_s,kind,total,records,status";

const LOGS: &[(&str, &str)] = &[
    ("go1.27/shop/prof.log", "50 snapshots: 50 complete"),
    ("go1.27/shop/prof-iso.log", "40 snapshots: 40 complete"),
    ("go1.27/shop/prof-epoch.log", "40 snapshots: 40 complete"),
    (
        "go1.27/shop/prof-restart.log",
        "45 snapshots: 41 complete, 4 missing",
    ),
    (
        "go1.27/shop/prof-truncated.log",
        "33 snapshots: 32 complete, 1 partial",
    ),
    ("go1.27/shop/prof-error-body.log", "8 snapshots: 8 error"),
    ("go1.19/shop/prof.log", "50 snapshots: 50 complete"),
    ("go1.19/batch/prof.log", "40 snapshots: 40 complete"),
];

fn golden_name(log: &str) -> String {
    format!(
        "pp-totals/{}.csv",
        log.trim_end_matches(".log").replace('/', "-")
    )
}

#[test]
fn golden_csv_for_every_gathering_log() {
    for (log, summary) in LOGS {
        let output = run_both("pp-totals", &[], log);
        golden(&golden_name(log), &output.stdout);
        assert_eq!(
            stderr(&output).lines().next(),
            Some(format!("pp-totals: {summary}").as_str()),
            "{log}"
        );
    }
}

/// The fixtures' index (made by an independent script) says, per date line:
/// header total, number of records, and whether the body was complete, empty
/// (nothing after the date) or something other than a profile.
#[test]
fn rows_agree_with_the_fixture_index() {
    for (log, _) in LOGS {
        let output = run("pp-totals", &["-q", fixture(log).to_str().unwrap()], None);
        let ours = stdout(&output);
        let ours: Vec<Vec<&str>> = ours
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        let index_name = format!(
            "oracles/index/{}.csv",
            log.trim_end_matches(".log").replace('/', "-")
        );
        let oracle = String::from_utf8(fixture_bytes(&index_name)).unwrap();
        let oracle: Vec<Vec<&str>> = oracle
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(ours.len(), oracle.len(), "{log}: one row per date line");
        for (row, o) in ours.iter().zip(&oracle) {
            // oracle: n,date,body_bytes,kind,header_total,records,sum_counts,goroutines,complete
            let expected_status = match (o[3], o[8]) {
                ("empty", _) => "missing",
                ("other", _) => "error",
                (_, "1") => "complete",
                _ => "partial",
            };
            let n: u64 = o[0].parse().unwrap();
            assert_eq!(row[0], (n - 1).to_string(), "{log} index");
            assert_eq!(row[6], expected_status, "{log} row {n} status");
            assert_eq!(row[4], o[4], "{log} row {n} total");
            if expected_status == "complete" || expected_status == "partial" {
                assert_eq!(row[5], o[5], "{log} row {n} records");
                assert_eq!(row[3], "goroutine", "{log} row {n} kind");
            }
        }
    }
}

#[test]
fn time_columns_follow_the_timestamp_format() {
    let cases = [
        (
            "go1.27/shop/prof.log",
            "0,2026-11-27T15:13:27,0,goroutine,55,23,complete",
        ),
        (
            "go1.27/shop/prof-iso.log",
            "0,2026-11-27T15:14:40+05:30,0,goroutine,56,25,complete",
        ),
        (
            "go1.27/shop/prof-epoch.log",
            "0,2026-11-27T09:45:23Z,0,goroutine,56,24,complete",
        ),
    ];
    for (log, first_row) in cases {
        let output = run("pp-totals", &["-q", fixture(log).to_str().unwrap()], None);
        let text = stdout(&output);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some(HEADER));
        assert_eq!(lines.next(), Some(first_row), "{log}");
    }
    // A skipped second shows in elapsed_s: the loop's period is 1 s plus curl time.
    let text = stdout(&run(
        "pp-totals",
        &["-q", fixture("go1.27/shop/prof.log").to_str().unwrap()],
        None,
    ));
    let elapsed: Vec<u64> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap().parse().unwrap())
        .collect();
    assert!(elapsed.windows(2).all(|w| w[1] > w[0]));
    assert!(
        elapsed.windows(2).any(|w| w[1] - w[0] == 2),
        "a second is skipped somewhere"
    );
}

#[test]
fn no_profile_is_exit_1_after_the_rows() {
    let output = run(
        "pp-totals",
        &[fixture("go1.27/shop/prof-error-body.log").to_str().unwrap()],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).lines().count(), 9);
    assert!(
        stderr(&output).ends_with("pp-totals: no profile found in the input\n"),
        "{}",
        stderr(&output)
    );

    let empty = run("pp-totals", &[], Some(Vec::new()));
    assert_eq!(empty.status.code(), Some(1));
    assert_eq!(stdout(&empty), format!("{HEADER}\n"));
}

#[test]
fn unreadable_file_is_exit_1_with_its_name() {
    let output = run("pp-totals", &["no/such/prof.log"], None);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stderr(&output),
        "pp-totals: no/such/prof.log: No such file or directory\n"
    );
}

#[test]
fn files_and_stdin_are_read_in_order() {
    let iso = fixture("go1.27/shop/prof-iso.log");
    let epoch = fixture_bytes("go1.27/shop/prof-epoch.log");
    let output = run("pp-totals", &[iso.to_str().unwrap(), "-"], Some(epoch));
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert_eq!(text.lines().count(), 1 + 80);
    // Two sources: each row says whose it is, and each source counts from 0.
    assert!(text.starts_with("source,index,time,"));
    assert!(text.lines().nth(1).unwrap().starts_with("prof-iso,0,"));
    assert!(
        text.lines()
            .nth(41)
            .unwrap()
            .starts_with("stdin,0,2026-11-27T09:45:23Z,0,")
    );
    assert_eq!(stderr(&output), "pp-totals: 80 snapshots: 80 complete\n");
}

#[test]
fn strict_stops_at_the_first_unknown_line() {
    let mut log = fixture_bytes("go1.27/shop/prof-iso.log");
    log.extend_from_slice(b"hello\n");
    let lenient = run("pp-totals", &[], Some(log.clone()));
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(
        stderr(&lenient),
        "pp-totals: 40 snapshots: 40 complete; 1 unknown line skipped (<stdin>:10641)\n"
    );
    let strict = run("pp-totals", &["--strict"], Some(log));
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(
        stderr(&strict),
        "pp-totals: <stdin>:10641: unexpected line \"hello\"\n"
    );
}

#[test]
fn reads_what_pp_split_writes() {
    for (log, _) in LOGS {
        let direct = run("pp-totals", &["-q", fixture(log).to_str().unwrap()], None);
        let json = run("pp-split", &["-q", fixture(log).to_str().unwrap()], None);
        let via_json = run("pp-totals", &["-q"], Some(json.stdout));
        assert_eq!(stdout(&via_json), stdout(&direct), "{log}");
        assert_eq!(via_json.status.code(), direct.status.code(), "{log}");
    }
}

/// `pp-totals` wrote 13 columns for every log, six always empty for the
/// goroutine logs it exists for. The first snapshot decides: a goroutine
/// log has 7; a heap, contention or CPU profile, or `--values`, gets the
/// seven value columns; the header never changes mid-stream.
#[test]
fn value_columns_come_with_values() {
    let header = |args: &[&str]| {
        let text = stdout(&run("pp-totals", args, None));
        text.lines().next().unwrap_or_default().to_string()
    };
    let log = fixture("go1.27/shop/prof.log");
    let log = log.to_str().unwrap();
    assert_eq!(header(&["-q", log]), HEADER);
    let values = format!(
        "{HEADER},alloc_objects,alloc_space,inuse_objects,inuse_space,contentions,delay,cpu"
    );
    assert_eq!(header(&["-q", "--values", log]), values);
    for kind in ["heap", "allocs", "block", "mutex"] {
        let file = fixture(&format!("go1.27/shop/snapshots/{kind}-debug1.txt"));
        assert_eq!(header(&["-q", file.to_str().unwrap()]), values, "{kind}");
    }
    // A heap profile after goroutine ones: its row has the 7 columns too.
    let mut mixed = fixture_bytes("go1.27/shop/snapshots/goroutine-debug1.txt");
    mixed.extend(fixture_bytes("go1.27/shop/snapshots/heap-debug1.txt"));
    let text = stdout(&run("pp-totals", &["-q"], Some(mixed)));
    assert!(text.lines().all(|l| l.split(',').count() == 7), "{text}");
}

/// `pp-totals --by KEY` rows: per snapshot index, key → count.
fn by_rows(
    key: &str,
    args: &[&str],
    stdin: Option<Vec<u8>>,
) -> BTreeMap<u64, BTreeMap<String, u64>> {
    let mut all = vec!["-q", "--by", key];
    all.extend_from_slice(args);
    let output = run("pp-totals", &all, stdin);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert_eq!(text.lines().next(), Some("index,time,elapsed_s,key,count"));
    let mut rows: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields.len(), 5, "{line}");
        rows.entry(fields[0].parse().unwrap())
            .or_default()
            .insert(fields[3].to_string(), fields[4].parse().unwrap());
    }
    rows
}

/// `--by creator` on real dumps of Go 1.27 (`created by FUNC in goroutine N`)
/// and Go 1.19 (`created by FUNC`) counts, per function, the goroutines whose
/// block has that `created by` line: an oracle read from the text itself.
#[test]
fn by_creator_counts_the_created_by_lines() {
    for file in [
        "go1.27/shop/snapshots/goroutine-debug2.txt",
        "go1.19/shop/snapshots/goroutine-debug2.txt",
    ] {
        let text = String::from_utf8(fixture_bytes(file)).unwrap();
        let mut expected: BTreeMap<String, u64> = BTreeMap::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("created by ") {
                let func = rest.split(" in goroutine ").next().unwrap();
                *expected.entry(func.to_string()).or_default() += 1;
            }
        }
        assert!(expected.len() > 3, "{file}: {expected:?}");
        let rows = by_rows("creator", &[&fixture(file).to_string_lossy()], None);
        assert_eq!(rows.len(), 1, "{file}");
        assert_eq!(rows[&0], expected, "{file}");
    }
    // debug=1 profiles have no creators: no rows, only the header.
    let rows = by_rows(
        "creator",
        &[&fixture("go1.27/shop/prof.log").to_string_lossy()],
        None,
    );
    assert!(rows.is_empty());
}

/// A log of dumps: every goroutine is counted under its creator or not at
/// all (those the runtime started have none), the creators survive
/// pp-split's JSON and its rebuilt text, and pp-split's `created_by` is the
/// record's creator, null for debug=1.
#[test]
fn by_creator_on_a_dump_log_and_through_pp_split() {
    let log = fixture("go1.27/shop/prof-debug2.log");
    let log = log.to_string_lossy();
    let rows = by_rows("creator", &[&log], None);
    assert!(rows.len() > 13);
    let split = run("pp-split", &["-q", &log], None);
    let snapshots: Vec<serde_json::Value> = stdout(&split)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(snapshots.len(), rows.len());
    for snap in &snapshots {
        let mut from_json: BTreeMap<String, u64> = BTreeMap::new();
        let mut without = 0;
        for record in snap["records"].as_array().unwrap() {
            let count = record["count"].as_u64().unwrap();
            match record["created_by"].as_str() {
                Some(func) => *from_json.entry(func.to_string()).or_default() += count,
                None => without += count,
            }
        }
        let index = snap["index"].as_u64().unwrap();
        assert_eq!(rows[&index], from_json, "snapshot {index}");
        let counted: u64 = rows[&index].values().sum();
        assert_eq!(counted + without, snap["total"].as_u64().unwrap());
        assert!(without > 0 && counted > without, "{counted} {without}");
    }
    // The leak's goroutines are started by the order handler.
    let last = &rows[&(rows.len() as u64 - 1)];
    assert!(last["main.(*Server).handleOrder.func1"] > last.values().sum::<u64>() / 2);
    // Through pp-split's JSON lines and through its rebuilt dump text.
    assert_eq!(by_rows("creator", &[], Some(split.stdout.clone())), rows);
    let text = run("pp-split", &["-q", "--text", &log], None);
    assert_eq!(by_rows("creator", &[], Some(text.stdout)), rows);
    // debug=1: created_by is there, and null.
    let debug1 = run(
        "pp-split",
        &[
            "-q",
            "--last",
            "1",
            &fixture("go1.27/shop/prof.log").to_string_lossy(),
        ],
        None,
    );
    let snap: serde_json::Value = serde_json::from_str(stdout(&debug1).trim()).unwrap();
    for record in snap["records"].as_array().unwrap() {
        assert_eq!(record["created_by"], serde_json::Value::Null);
    }
}
