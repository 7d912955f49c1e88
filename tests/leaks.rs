//! Leak hunting on real logs: the leaking stack ranks first (already after
//! five snapshots), the steady service has no suspect, a restart neither
//! hides the leak nor invents one; --by series; --fail-if for CI.

mod common;

use std::collections::BTreeMap;

use common::{path, run, stderr, stdout};

/// The suspects' stacks, best first, and their rows.
fn suspects(args: &[&str], input: Option<Vec<u8>>) -> Vec<Vec<String>> {
    let mut all = vec!["-q", "--leaks"];
    all.extend_from_slice(args);
    let output = run("pp-totals", &all, input);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "stack,first,last,peak,slope_per_min,score,rises,falls,since_index,z,leaked,creator,wait_minutes,waited,evidence"
        )
    );
    lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

#[test]
fn the_leak_ranks_first_and_alone() {
    for log in [
        "go1.27/shop/prof.log",
        "go1.27/shop/prof-iso.log",
        "go1.27/shop/prof-epoch.log",
        "go1.27/shop/prof-truncated.log",
        "go1.19/shop/prof.log",
        "go1.27/shop/prof-debug2.log",
        "go1.19/shop/prof-debug2.log",
    ] {
        let found = suspects(&[&path(log)], None);
        assert_eq!(found.len(), 1, "{log}: {found:?}");
        assert_eq!(found[0][0], "main.(*Server).quote", "{log}");
        assert_eq!(found[0][7], "0", "{log}: it never fell");
    }
    let found = suspects(&[&path("go1.27/shop/prof.log")], None);
    assert_eq!(&found[0][1..4], ["29", "525", "525"]);
    let slope: f64 = found[0][4].parse().unwrap();
    assert!(
        (500.0..700.0).contains(&slope),
        "about 10 a second: {slope}"
    );
}

#[test]
fn five_snapshots_are_enough() {
    let first5 = run(
        "pp-split",
        &[
            "-q",
            "--text",
            "--first",
            "5",
            &path("go1.27/shop/prof.log"),
        ],
        None,
    );
    let found = suspects(&[], Some(first5.stdout));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(&found[0][..4], ["main.(*Server).quote", "29", "70", "70"]);
}

#[test]
fn the_steady_service_has_no_suspect() {
    assert_eq!(
        suspects(&[&path("go1.19/batch/prof.log")], None),
        Vec::<Vec<String>>::new()
    );
}

#[test]
fn a_restart_neither_hides_nor_invents() {
    let found = suspects(&[&path("go1.27/shop/prof-restart.log")], None);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][0], "main.(*Server).quote");
    // Without a restart in between, the same log's second half alone shows the same leak.
    let after = run(
        "pp-split",
        &[
            "-q",
            "--text",
            "--since",
            "Fri Nov 27 15:16:26 IST 2026",
            &path("go1.27/shop/prof-restart.log"),
        ],
        None,
    );
    let found_after = suspects(&[], Some(after.stdout));
    assert_eq!(found_after.len(), 1);
    assert_eq!(found_after[0][0], "main.(*Server).quote");
}

/// pp-fold --diff --window 1 tells the same story: the suspect's first and
/// last counts are its line's two counts.
#[test]
fn the_diff_agrees() {
    let log = path("go1.27/shop/prof.log");
    let found = suspects(&[&log], None);
    let diff = stdout(&run(
        "pp-fold",
        &["-q", "--diff", "--window", "1", &log],
        None,
    ));
    let line = diff
        .lines()
        .find(|l| l.starts_with(&format!("{} ", found[0][0])))
        .unwrap();
    assert_eq!(
        line,
        format!("{} {} {}", found[0][0], found[0][1], found[0][2])
    );
    // The suspect has the largest growth of all lines of the diff.
    let growth = |l: &str| {
        let mut parts = l.rsplitn(3, ' ');
        let after: i64 = parts.next().unwrap().parse().unwrap();
        let before: i64 = parts.next().unwrap().parse().unwrap();
        after - before
    };
    assert_eq!(diff.lines().map(growth).max(), Some(growth(line)));
}

/// `--by KEY` rows of one log: per snapshot index, key → count.
fn by(key: &str, log: &str) -> BTreeMap<u64, BTreeMap<String, u64>> {
    let output = run("pp-totals", &["-q", "--by", key, &path(log)], None);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("index,time,elapsed_s,key,count"));
    let mut rows: BTreeMap<u64, BTreeMap<String, u64>> = BTreeMap::new();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        rows.entry(record[0].parse().unwrap())
            .or_default()
            .insert(record[3].to_string(), record[4].parse().unwrap());
    }
    rows
}

#[test]
fn by_stack_equals_pp_fold_per_snapshot() {
    let log = "go1.27/shop/prof.log";
    let rows = by("stack", log);
    let folded = stdout(&run("pp-fold", &["-q", "--per-snapshot", &path(log)], None));
    let mut expected: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let (time, stack) = stack.split_once(';').unwrap();
        let stack = stack.strip_prefix("[truncated];").unwrap_or(stack);
        *expected
            .entry(time.to_string())
            .or_default()
            .entry(stack.to_string())
            .or_default() += count.parse::<u64>().unwrap();
    }
    let ours: Vec<&BTreeMap<String, u64>> = rows.values().collect();
    let theirs: Vec<&BTreeMap<String, u64>> = expected.values().collect();
    assert_eq!(ours, theirs);
}

#[test]
fn by_func_label_and_state() {
    let funcs = by("func", "go1.27/shop/prof.log");
    let labels = by("label", "go1.27/shop/prof.log");
    let stacks = by("stack", "go1.27/shop/prof.log");
    for (index, counts) in &funcs {
        let quote = stacks[index]["main.(*Server).quote"];
        assert!(counts["main.(*Server).quote"] >= quote, "{index}");
        assert_eq!(counts["main.main"], 1, "{index}");
        let regions: u64 = ["eu", "us", "ap"]
            .iter()
            .map(|r| labels[index][&format!("region={r}")])
            .sum();
        assert_eq!(labels[index]["handler=order"], regions, "{index}");
        // The labels go with every goroutine the handler started: those that
        // leaked, and one now and then still sleeping before it leaks.
        let started: u64 = stacks[index]
            .iter()
            .filter(|(s, _)| s.starts_with("main.(*Server).quote"))
            .map(|(_, c)| c)
            .sum();
        assert_eq!(
            regions, started,
            "{index}: the leaked goroutines carry the labels"
        );
    }
    let states = by("state", "go1.27/shop/prof-debug2.log");
    let totals = stdout(&run(
        "pp-totals",
        &["-q", &path("go1.27/shop/prof-debug2.log")],
        None,
    ));
    for (row, (index, counts)) in totals.lines().skip(1).zip(&states) {
        let total: u64 = row.split(',').nth(4).unwrap().parse().unwrap();
        assert_eq!(counts.values().sum::<u64>(), total, "{index}");
        assert!(
            counts["chan send"] > 500,
            "{index}: the leaked goroutines wait to send"
        );
    }
}

#[test]
fn fail_if_for_ci() {
    let log = path("go1.27/shop/prof.log");
    let failing = run(
        "pp-totals",
        &[
            "-q",
            "--fail-if",
            "growth>100",
            "--fail-if",
            "suspects > 0",
            "--fail-if",
            "total>10000",
            &log,
        ],
        None,
    );
    assert_eq!(failing.status.code(), Some(3));
    assert_eq!(
        stderr(&failing),
        "pp-totals: check failed: growth>100 (growth is 496)\npp-totals: check failed: suspects>0 (suspects is 1)\n"
    );
    assert_eq!(
        stdout(&failing).lines().count(),
        51,
        "the rows are written all the same"
    );
    let passing = run(
        "pp-totals",
        &[
            "-q",
            "--fail-if",
            "suspects>0",
            "--fail-if",
            "missing>0",
            &path("go1.19/batch/prof.log"),
        ],
        None,
    );
    assert_eq!(passing.status.code(), Some(0), "{}", stderr(&passing));
    let restart = run(
        "pp-totals",
        &[
            "-q",
            "--fail-if",
            "missing>=4",
            &path("go1.27/shop/prof-restart.log"),
        ],
        None,
    );
    assert_eq!(restart.status.code(), Some(3));
    let bad = run("pp-totals", &["--fail-if", "growth>>1", &log], None);
    assert_eq!(bad.status.code(), Some(2));
    let both = run("pp-totals", &["--leaks", "--by", "stack", &log], None);
    assert_eq!(both.status.code(), Some(2));
}

/// N of a `NAME profile: total N` header.
fn total_of(header: &str) -> u64 {
    header.rsplit(' ').next().unwrap().parse().unwrap()
}

/// Go 1.27's goroutineleak profiles, alone and taken each tick beside the
/// goroutine profile, and debug=2 dumps marking goroutines `(leaked)`: the
/// leaked column is what the runtime proved, and such a stack is listed even
/// without growth to judge.
#[test]
fn the_runtime_proven_leaks_are_the_leaked_column() {
    let leaked_of = |file: &str, args: &[&str]| -> BTreeMap<String, u64> {
        let mut all = vec!["-q", "--leaks"];
        all.extend_from_slice(args);
        let file = path(file);
        all.push(&file);
        let out = run("pp-totals", &all, None);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .skip(1)
            .map(|l| {
                let (stack, rest) = l.split_once(',').unwrap();
                (
                    stack.to_string(),
                    rest.rsplit(',').nth(4).unwrap().parse().unwrap(),
                )
            })
            .collect()
    };
    // The profile's own header total, and its records by stack.
    let text = String::from_utf8(common::fixture_bytes(
        "go1.27/leakprof/goroutineleak-debug1.txt",
    ))
    .unwrap();
    let header = total_of(text.lines().next().unwrap());
    let debug1 = leaked_of("go1.27/leakprof/goroutineleak-debug1.txt", &[]);
    assert_eq!(debug1.values().sum::<u64>(), header, "{debug1:?}");
    assert_eq!(debug1["main.(*Server).quote"], 205);
    // debug=2: the goroutines whose header says `(leaked)`, in both dumps.
    for dump in [
        "go1.27/leakprof/goroutineleak-debug2.txt",
        "go1.27/leakprof/goroutine-debug2.txt",
    ] {
        let text = String::from_utf8(common::fixture_bytes(dump)).unwrap();
        let marked = text
            .lines()
            .filter(|l| l.starts_with("goroutine ") && l.contains("(leaked)"))
            .count() as u64;
        let found = leaked_of(dump, &[]);
        assert_eq!(found.values().sum::<u64>(), marked, "{dump}: {found:?}");
    }
    // Mixed, 15 ticks of both: the leaked counts are the last goroutineleak
    // profile's, and the growing stack is also a suspect by its growth.
    let mixed = leaked_of("go1.27/leakprof/prof-mixed.log", &[]);
    let text = String::from_utf8(common::fixture_bytes("go1.27/leakprof/prof-mixed.log")).unwrap();
    let last = total_of(
        text.lines()
            .rfind(|l| l.starts_with("goroutineleak profile: total "))
            .unwrap(),
    );
    assert_eq!(mixed.values().sum::<u64>(), last);
    let rows = suspects(&[&path("go1.27/leakprof/prof-mixed.log")], None);
    assert_eq!(rows[0][0], "main.(*Server).quote");
    assert!(
        rows[0][5].parse::<f64>().unwrap() > 0.0,
        "it grows: {:?}",
        rows[0]
    );
    assert_eq!(rows[0][14], "growth");
    // The flat ones are listed by the runtime's proof alone.
    assert!(rows.len() > 1);
    for row in &rows[1..] {
        assert_eq!(
            (row[14].as_str(), row[5].as_str()),
            ("leaked", "0.000"),
            "{row:?}"
        );
        assert_ne!(row[10], "0");
    }
    // --labels: each region's share, summing to the same.
    let labelled = leaked_of("go1.27/leakprof/prof-mixed.log", &["--labels"]);
    let quote: u64 = labelled
        .iter()
        .filter(|(k, _)| k.ends_with(";main.(*Server).quote"))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(quote, mixed["main.(*Server).quote"]);
    assert_eq!(
        labelled
            .keys()
            .filter(|k| k.starts_with("handler=order;region="))
            .count(),
        3
    );
    // A gate on proven leaks.
    let gate = run(
        "pp-totals",
        &[
            "-q",
            "--fail-if",
            "leaked>0",
            &path("go1.27/leakprof/goroutineleak-debug1.txt"),
        ],
        None,
    );
    assert_eq!(gate.status.code(), Some(3));
    assert!(
        stderr(&gate).contains(&format!("check failed: leaked>0 (leaked is {header})")),
        "{}",
        stderr(&gate)
    );
}

/// With 1 or 2 snapshots `--leaks` printed a bare header and `--fail-if
/// 'suspects>0'` passed: a gate that cannot judge said "no leak".
#[test]
fn too_short_a_capture_cannot_be_judged() {
    for n in ["1", "2", "4"] {
        let first = run(
            "pp-split",
            &["-q", "--text", "--first", n, &path("go1.19/batch/prof.log")],
            None,
        );
        let leaks = run("pp-totals", &["--leaks"], Some(first.stdout.clone()));
        assert_eq!(leaks.status.code(), Some(0), "{}", stderr(&leaks));
        assert_eq!(stdout(&leaks), "", "nothing on stdout");
        let plural = if n == "1" { "" } else { "s" };
        assert!(
            stderr(&leaks).contains(&format!(
                "pp-totals: cannot judge leaks: {n} snapshot{plural} (need 5)"
            )),
            "{}",
            stderr(&leaks)
        );
        let gate = run(
            "pp-totals",
            &["-q", "--fail-if", "suspects>0"],
            Some(first.stdout),
        );
        assert_eq!(gate.status.code(), Some(1), "{}", stderr(&gate));
        assert!(
            stderr(&gate).contains("check not judged: suspects>0 (cannot judge:"),
            "{}",
            stderr(&gate)
        );
    }
    // Five snapshots of a steady service can be judged, and hold no leak.
    let five = run(
        "pp-split",
        &[
            "-q",
            "--text",
            "--first",
            "5",
            &path("go1.19/batch/prof.log"),
        ],
        None,
    );
    let gate = run(
        "pp-totals",
        &["-q", "--fail-if", "suspects>0"],
        Some(five.stdout),
    );
    assert_eq!(gate.status.code(), Some(0), "{}", stderr(&gate));
}

/// Dump-based suspects name who creates their goroutines and how long the
/// oldest has waited; debug=1 suspects leave both empty.
#[test]
fn dumps_give_creator_and_wait_age() {
    for log in ["go1.27/shop/prof-debug2.log", "go1.19/shop/prof-debug2.log"] {
        let found = suspects(&[&path(log)], None);
        assert_eq!(found[0][0], "main.(*Server).quote", "{log}");
        assert_eq!(found[0][11], "main.(*Server).handleOrder.func1", "{log}");
        // `[chan send, 1 minutes]` from snapshot 13 on; 149 of the last
        // snapshot's quote goroutines say so. Its count rises by itself.
        assert_eq!(found[0][12], "1", "{log}");
        assert_eq!(found[0][13], "149", "{log}");
        assert_eq!(found[0][14], "growth", "{log}");
    }
    let first12 = run(
        "pp-split",
        &[
            "-q",
            "--text",
            "--first",
            "12",
            &path("go1.27/shop/prof-debug2.log"),
        ],
        None,
    );
    let found = suspects(&[], Some(first12.stdout));
    assert_eq!(found[0][12], "", "no goroutine had waited a minute yet");
    assert_eq!(found[0][13], "", "nor can any have waited one");
    let plain = suspects(&[&path("go1.27/shop/prof.log")], None);
    assert_eq!(&plain[0][11..], ["", "", "", "growth"]);
}
