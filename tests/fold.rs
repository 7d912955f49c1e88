//! pp-fold against independent oracles (an independent folding script and
//! `go tool pprof -traces` sums), read back by inferno, and its options.

mod common;

use std::collections::BTreeMap;
use std::sync::Mutex;

use common::{fixture_bytes, golden, path, run, run_both, stderr, stdout};

/// Folded lines as a map from stack to count; panics on a malformed line.
fn parse_folded(text: &str) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for line in text.lines() {
        let (stack, count) = line.rsplit_once(' ').expect("stack and count");
        *map.entry(stack.to_string()).or_default() += count.parse::<u64>().expect("a count");
    }
    map
}

/// The oracle's rules have no `[truncated]` root: strip ours, merge again.
fn without_truncated(folded: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for (stack, count) in folded {
        let stack = stack.strip_prefix("[truncated];").unwrap_or(stack);
        *map.entry(stack.to_string()).or_default() += count;
    }
    map
}

/// The oracle folds a record without frame lines from its `@` addresses
/// (`0x493b61 1`); pp-fold names it `[no frames]`.
fn addresses_as_no_frames(folded: BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let mut map = BTreeMap::new();
    for (stack, count) in folded {
        let addresses = stack.split(';').all(|f| {
            f.strip_prefix("0x")
                .is_some_and(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
        });
        let stack = if addresses {
            "[no frames]".to_string()
        } else {
            stack
        };
        *map.entry(stack).or_default() += count;
    }
    map
}

fn sorted_bytewise(text: &str) -> bool {
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().0)
        .collect();
    lines.windows(2).all(|w| w[0].as_bytes() < w[1].as_bytes())
}

#[test]
fn single_profiles_equal_the_oracle() {
    let cases = [
        // file, oracle, header total, stacks cut at the depth limit (the shop's
        // 150-deep recursion; the storm's recursions are deeper than 32 only)
        (
            "go1.27/shop/snapshots/goroutine-debug1.txt",
            "go1.27-shop-goroutine-debug1",
            754,
            1,
        ),
        (
            "go1.19/shop/snapshots/goroutine-debug1.txt",
            "go1.19-shop-goroutine-debug1",
            756,
            1,
        ),
        (
            "go1.19/batch/snapshots/goroutine-debug1.txt",
            "go1.19-batch-goroutine-debug1",
            28,
            0,
        ),
        (
            "go1.27/storm/goroutine-debug1.txt",
            "go1.27-storm-goroutine-debug1",
            628,
            0,
        ),
        (
            "go1.19/storm/goroutine-debug1.txt",
            "go1.19-storm-goroutine-debug1",
            628,
            3,
        ),
    ];
    for (file, oracle, total, cut) in cases {
        let output = run_both("pp-fold", &["-q"], file);
        let text = stdout(&output);
        assert!(sorted_bytewise(&text), "{file}: not sorted");
        let ours = parse_folded(&text);
        let expected = parse_folded(
            &String::from_utf8(fixture_bytes(&format!(
                "oracles/folded-singles/{oracle}.folded"
            )))
            .unwrap(),
        );
        assert_eq!(without_truncated(&ours), expected, "{file}");
        assert_eq!(
            ours.values().sum::<u64>(),
            total,
            "{file}: counts sum to the header total"
        );
        let truncated = ours
            .keys()
            .filter(|s| s.starts_with("[truncated];"))
            .count();
        assert_eq!(truncated, cut, "{file}: stacks cut at the depth limit");
    }
}

/// Every snapshot of both gathering logs, folded one by one with
/// --per-snapshot, against the oracle's per-snapshot files and pprof's sums.
#[test]
fn every_snapshot_equals_the_oracle() {
    for (log, oracle) in [
        ("go1.27/shop/prof.log", "go1.27-shop-prof"),
        ("go1.19/shop/prof.log", "go1.19-shop-prof"),
    ] {
        let text = stdout(&run("pp-fold", &["-q", "--per-snapshot", &path(log)], None));
        let mut by_time: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (stack, count) in parse_folded(&text) {
            let (time, rest) = stack.split_once(';').unwrap();
            by_time
                .entry(time.to_string())
                .or_default()
                .insert(rest.to_string(), count);
        }
        let crosscheck =
            String::from_utf8(fixture_bytes(&format!("oracles/{oracle}/crosscheck.csv"))).unwrap();
        let rows: Vec<Vec<&str>> = crosscheck
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(by_time.len(), 50);
        assert_eq!(rows.len(), 50);
        for (n, ((time, folded), row)) in by_time.iter().zip(&rows).enumerate() {
            let file = format!("oracles/{oracle}/folded/{:04}.folded", n + 1);
            let expected = addresses_as_no_frames(parse_folded(
                &String::from_utf8(fixture_bytes(&file)).unwrap(),
            ));
            assert_eq!(
                without_truncated(folded),
                expected,
                "{log} snapshot {n} at {time}"
            );
            let sum: u64 = folded.values().sum();
            // crosscheck: n,kind,header_total,...,traces_sum (column 11)
            assert_eq!(sum.to_string(), row[2], "{log} {n}: header total");
            assert_eq!(
                sum.to_string(),
                row[11],
                "{log} {n}: go tool pprof -traces sum"
            );
        }
    }
}

#[test]
fn golden_folded_log() {
    let output = run_both("pp-fold", &[], "go1.27/shop/prof.log");
    assert_eq!(stderr(&output), "pp-fold: 50 snapshots: 50 complete\n");
    golden("pp-fold/go1.27-shop-prof.folded", &output.stdout);
    let output = run_both(
        "pp-fold",
        &["--labels", "--trim-runtime", "--aggregate", "last"],
        "go1.19/batch/prof.log",
    );
    golden(
        "pp-fold/go1.19-batch-prof-labels-trim-last.folded",
        &output.stdout,
    );
}

#[test]
fn aggregates_agree_with_the_snapshots() {
    let log = path("go1.27/shop/prof.log");
    let per_snapshot = parse_folded(&stdout(&run(
        "pp-fold",
        &["-q", "--per-snapshot", &log],
        None,
    )));
    let mut series: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    let times: Vec<String> = {
        let mut t: Vec<String> = per_snapshot
            .keys()
            .map(|k| k.split_once(';').unwrap().0.to_string())
            .collect();
        t.dedup();
        t
    };
    for (stack, count) in &per_snapshot {
        let (time, rest) = stack.split_once(';').unwrap();
        let slot = times.iter().position(|t| t == time).unwrap();
        series
            .entry(rest.to_string())
            .or_insert_with(|| vec![0; times.len()])[slot] = *count;
    }
    let fold = |how: &str| {
        parse_folded(&stdout(&run(
            "pp-fold",
            &["-q", "--aggregate", how, &log],
            None,
        )))
    };
    let (sum, max, last, mean) = (fold("sum"), fold("max"), fold("last"), fold("mean"));
    for (stack, counts) in &series {
        let total: u64 = counts.iter().sum();
        assert_eq!(sum[stack], total, "sum {stack}");
        assert_eq!(max[stack], *counts.iter().max().unwrap(), "max {stack}");
        assert_eq!(
            last.get(stack).copied().unwrap_or(0),
            *counts.last().unwrap(),
            "last {stack}"
        );
        assert_eq!(
            mean.get(stack).copied().unwrap_or(0),
            (total * 2 + 50) / 100,
            "mean {stack}"
        );
    }
    // The leak: it only grows, so its last count is its largest.
    let quote = "main.(*Server).quote";
    assert_eq!((last[quote], max[quote]), (525, 525));
}

#[test]
fn diff_window_1_is_first_against_last() {
    let log = path("go1.27/shop/prof.log");
    let diff = stdout(&run(
        "pp-fold",
        &["-q", "--diff", "--window", "1", &log],
        None,
    ));
    let first = run("pp-split", &["-q", "--text", "--first", "1", &log], None).stdout;
    let last = run("pp-split", &["-q", "--text", "--last", "1", &log], None).stdout;
    let before = parse_folded(&stdout(&run("pp-fold", &["-q"], Some(first.clone()))));
    let after = parse_folded(&stdout(&run("pp-fold", &["-q"], Some(last))));
    let mut expected = String::new();
    let stacks: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for stack in stacks {
        let (b, a) = (
            before.get(stack).unwrap_or(&0),
            after.get(stack).unwrap_or(&0),
        );
        expected.push_str(&format!("{stack} {b} {a}\n"));
    }
    assert_eq!(diff, expected);
    assert!(
        diff.contains("\nmain.(*Server).quote 29 525\n"),
        "the leak grows"
    );

    // --base FILE: the same story from two files.
    let dir = std::env::temp_dir().join(format!("pp-fold-base-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let base = dir.join("first.txt");
    std::fs::write(&base, first).unwrap();
    let with_base = stdout(&run(
        "pp-fold",
        &[
            "-q",
            "--aggregate",
            "last",
            "--base",
            base.to_str().unwrap(),
            &log,
        ],
        None,
    ));
    assert_eq!(with_base, diff);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn options_shape_the_frames() {
    let file = path("go1.27/shop/snapshots/goroutine-debug1.txt");
    let fold = |args: &[&str]| {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        all.push(&file);
        stdout(&run("pp-fold", &all, None))
    };
    let labels = fold(&["--labels"]);
    assert!(
        labels.contains("\nhandler=order;region=ap;main.(*Server).quote 243\n"),
        "{labels}"
    );
    let lines = fold(&["--lines"]);
    assert!(lines.contains("\nmain.(*Server).quote /home/dev/shop/server.go:75 729\n"));
    let func_lines = fold(&["--func-lines"]);
    assert!(func_lines.contains("\nmain.(*Server).quote:75 729\n"));
    let plain = fold(&[]);
    let wait = "example.com/shop/queue.Consume[...];example.com/shop/queue.(*Queue[...]).Pop;sync.(*Cond).Wait";
    assert!(plain.contains(&format!("\n{wait};sync.runtime_notifyListWait 4\n")));
    let trimmed = fold(&["--trim-runtime"]);
    assert!(trimmed.contains(&format!("\n{wait} 4\n")), "{trimmed}");
    assert_eq!(parse_folded(&trimmed).values().sum::<u64>(), 754);
    let few = fold(&["--min-count", "2"]);
    assert!(parse_folded(&few).values().all(|&c| c >= 2));
    assert!(few.lines().count() < plain.lines().count());
}

#[test]
fn kinds_are_not_added_together() {
    let goroutine = path("go1.27/shop/snapshots/goroutine-debug1.txt");
    let threads = path("go1.27/shop/snapshots/threadcreate-debug1.txt");
    let mixed = run("pp-fold", &[&goroutine, &threads], None);
    assert_eq!(mixed.status.code(), Some(1));
    assert!(
        stderr(&mixed).contains("holds goroutine and threadcreate profiles"),
        "{}",
        stderr(&mixed)
    );
    let chosen = run(
        "pp-fold",
        &["-q", "--kind", "threadcreate", &goroutine, &threads],
        None,
    );
    assert_eq!(
        stdout(&chosen),
        "0x0 8\nruntime.main;runtime.startTemplateThread;runtime.newm;runtime.allocm 1\n"
    );
    let bad_value = run("pp-fold", &["--value", "inuse_space", &goroutine], None);
    assert_eq!(bad_value.status.code(), Some(2));
    assert!(
        run("pp-fold", &["--per-snapshot", "--diff", &goroutine], None)
            .status
            .code()
            == Some(2)
    );
}

/// Warnings that inferno logs while reading folded lines.
static WARNINGS: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }
    fn log(&self, record: &log::Record) {
        if record.level() <= log::Level::Warn {
            WARNINGS.lock().unwrap().push(record.args().to_string());
        }
    }
    fn flush(&self) {}
}

/// inferno draws every output of every fixture without ignoring a line.
#[test]
fn inferno_reads_every_output() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let inputs = [
        "go1.27/shop/prof.log",
        "go1.27/shop/prof-restart.log",
        "go1.27/shop/prof-truncated.log",
        "go1.19/shop/prof.log",
        "go1.19/batch/prof.log",
        "go1.27/storm/goroutine-debug1.txt",
        "go1.27/shop/snapshots/threadcreate-debug1.txt",
    ];
    let modes: &[&[&str]] = &[
        &[],
        &["--diff"],
        &["--labels", "--lines"],
        &["--per-snapshot"],
        &["--trim-runtime", "--diff"],
    ];
    for input in inputs {
        for mode in modes {
            let mut args = vec!["-q"];
            args.extend_from_slice(mode);
            let file = path(input);
            args.push(&file);
            let text = stdout(&run("pp-fold", &args, None));
            assert!(!text.is_empty(), "{input} {mode:?}");
            let mut options = inferno::flamegraph::Options::default();
            let mut svg = Vec::new();
            inferno::flamegraph::from_lines(&mut options, text.lines(), &mut svg)
                .expect("inferno draws it");
            let warnings = std::mem::take(&mut *WARNINGS.lock().unwrap());
            assert!(warnings.is_empty(), "{input} {mode:?}: {warnings:?}");
            assert!(
                String::from_utf8(svg).unwrap().contains("<svg"),
                "{input} {mode:?}"
            );
        }
    }
}

/// The frames of the last snapshot's records of a real log, as
/// (function, line) leaf first, with their counts; records without frames
/// are left out.
fn real_records(log: &str) -> Vec<(u64, Vec<(String, u32)>)> {
    let json = stdout(&run("pp-split", &["-q", "--last", "1", &path(log)], None));
    let snap: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    snap["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let frames = r["frames"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["func"].as_str().unwrap().to_string(),
                        f["line"].as_u64().unwrap() as u32,
                    )
                })
                .collect::<Vec<_>>();
            (r["count"].as_u64().unwrap(), frames)
        })
        .filter(|(_, frames)| !frames.is_empty())
        .collect()
}

/// A noisy service, built from real records: the Go 1.19 batch log's stacks,
/// each at its own level with noise of ±12 goroutines per snapshot, and the
/// Go 1.27 shop log's leaking stack growing from 10 to 46 over 40 snapshots.
/// First against last, the noise adds up to +45 against the leak's +36; the
/// default windows (10 snapshots each) keep most of the leak's rise (+28)
/// and shrink the noise to +14 in all, at most 6 a stack.
#[test]
fn diff_windows_see_a_leak_through_noise() {
    let noisy = real_records("go1.19/batch/prof.log");
    assert!(noisy.len() > 10);
    let (_, leak) = real_records("go1.27/shop/prof.log")
        .into_iter()
        .find(|(_, frames)| frames[0].0 == "main.(*Server).quote")
        .unwrap();
    // A seed whose first and last snapshots tell the story: +45 of noise.
    let mut seed: u64 = 5;
    let mut noise = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % 25
    };
    let snapshots = 40;
    let mut table: Vec<Vec<u64>> = Vec::new();
    for _ in 0..snapshots {
        table.push(
            noisy
                .iter()
                .map(|(count, _)| 2 + 3 * count + noise())
                .collect(),
        );
    }
    let log = common::gathering_log(snapshots, |i| {
        let mut records: Vec<common::MadeRecord> = noisy
            .iter()
            .zip(&table[i])
            .map(|((_, frames), &count)| (count, String::new(), frames.clone()))
            .collect();
        records.push((10 + (i as u64 * 36) / 39, String::new(), leak.clone()));
        records
    });
    let diff = |args: &[&str]| -> BTreeMap<String, (i64, i64)> {
        let mut all = vec!["-q", "--diff"];
        all.extend_from_slice(args);
        let out = run("pp-fold", &all, Some(log.clone()));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|line| {
                let mut parts = line.rsplitn(3, ' ');
                let after = parts.next().unwrap().parse().unwrap();
                let before = parts.next().unwrap().parse().unwrap();
                (parts.next().unwrap().to_string(), (before, after))
            })
            .collect()
    };
    let leak_line = |lines: &BTreeMap<String, (i64, i64)>| {
        let (text, &(before, after)) = lines
            .iter()
            .find(|(text, _)| text.split(';').next_back() == Some("main.(*Server).quote"))
            .unwrap();
        (text.clone(), after - before)
    };
    let noise_growth = |lines: &BTreeMap<String, (i64, i64)>, leak: &str| -> (i64, i64) {
        let rises = lines
            .iter()
            .filter(|(text, _)| *text != leak)
            .map(|(_, (before, after))| after - before);
        rises.fold((0, 0), |(sum, max), rise| {
            (sum + rise.max(0), max.max(rise.abs()))
        })
    };

    // First against last: the noise drowns the leak.
    let single = diff(&["--window", "1"]);
    let (text, rise) = leak_line(&single);
    assert_eq!(rise, 36);
    let (noise_sum, _) = noise_growth(&single, &text);
    assert_eq!(
        noise_sum, 45,
        "first vs last: noise {noise_sum} vs leak {rise}"
    );

    // The default windows: the means of the first and the last 10.
    let windows = diff(&[]);
    assert_eq!(windows, diff(&["--window", "10"]));
    let (text, rise) = leak_line(&windows);
    // The leak's means: 10 + i*36/39 over i in 0..10 and in 30..40.
    let mean = |range: std::ops::Range<u64>| -> i64 {
        let sum: u64 = range.map(|i| 10 + i * 36 / 39).sum();
        ((sum + 5) / 10) as i64
    };
    assert_eq!(windows[&text], (mean(0..10), mean(30..40)));
    assert_eq!(rise, 28);
    let (noise_sum, noise_max) = noise_growth(&windows, &text);
    assert_eq!(
        (noise_sum, noise_max),
        (14, 6),
        "windows: noise {noise_sum} (at most {noise_max} a stack) vs leak {rise}"
    );
    // Each noisy stack's before is its mean over the first 10 snapshots.
    for (k, (_, frames)) in noisy.iter().enumerate() {
        let folded: Vec<&str> = frames.iter().rev().map(|(f, _)| f.as_str()).collect();
        let sum: u64 = table[..10].iter().map(|row| row[k]).sum();
        let before = windows[&folded.join(";")].0 as u64;
        assert!(before == (sum + 5) / 10 || frames.len() < 2, "{folded:?}");
    }
}

/// `--aggregate` with `--diff` is a usage error: the windows' means are the
/// counts. With `--base` it applies to both inputs; `--window` needs `--diff`.
#[test]
fn diff_refuses_aggregate_and_window_needs_diff() {
    let log = path("go1.27/shop/prof.log");
    for args in [
        &["--diff", "--aggregate", "max"][..],
        &["--diff", "--aggregate", "sum"],
        &["--diff", "--window", "3", "--aggregate", "mean"],
        &["--window", "3"],
        &["--diff", "--window", "0"],
        &["--base", &log, "--window", "2"],
    ] {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        all.push(&log);
        let out = run("pp-fold", &all, None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(stderr(&out).contains("--"), "{args:?}: {}", stderr(&out));
    }
    let out = run(
        "pp-fold",
        &["-q", "--diff", "--aggregate", "max", &log],
        None,
    );
    assert!(stderr(&out).contains("--aggregate"), "{}", stderr(&out));
}
