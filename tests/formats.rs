//! Every Go text profile of both Go versions: heap, allocs, block and mutex
//! against `go tool pprof -raw`; debug=2 dumps and tracebacks against their
//! own goroutine headers and panicparse's grouping; several kinds in one file.

mod common;

use std::collections::BTreeMap;

use common::{fixture_bytes, golden, path, run, run_both, stderr, stdout};
use serde_json::Value;

fn snapshots(args: &[&str], input: Option<Vec<u8>>) -> Vec<Value> {
    let output = run("pp-split", args, input);
    stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The samples of `go tool pprof -raw`: value names and each sample's values.
fn pprof_raw(file: &str) -> (Vec<String>, Vec<Vec<u64>>) {
    let text = String::from_utf8(fixture_bytes(file)).unwrap();
    let mut lines = text.lines().skip_while(|l| *l != "Samples:").skip(1);
    let names = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.split('/').next().unwrap().to_string())
        .collect();
    let mut samples = Vec::new();
    for line in lines {
        if line.trim_start().starts_with("bytes:") {
            continue;
        }
        let Some((values, _)) = line.split_once(':') else {
            break;
        };
        let Ok(values) = values
            .split_whitespace()
            .map(str::parse)
            .collect::<Result<Vec<u64>, _>>()
        else {
            break;
        };
        samples.push(values);
    }
    (names, samples)
}

#[test]
fn heap_and_contention_values_equal_pprof() {
    for version in ["go1.27", "go1.19"] {
        for kind in ["heap", "allocs", "block", "mutex"] {
            let file = format!("{version}/shop/snapshots/{kind}-debug1.txt");
            let ours = snapshots(&["-q", &path(&file)], None);
            assert_eq!(ours.len(), 1, "{file}");
            let snap = &ours[0];
            assert_eq!(snap["status"], "complete", "{file}");
            let (names, samples) = pprof_raw(&format!(
                "oracles/pprof-singles/{version}-shop-{kind}-debug1.txt.raw.txt"
            ));
            assert_eq!(snap["sample_types"], serde_json::json!(names), "{file}");
            let values: Vec<Vec<u64>> = snap["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    r["values"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|v| v.as_u64().unwrap())
                        .collect()
                })
                .collect();
            assert_eq!(
                values.len(),
                samples.len(),
                "{file}: one record per pprof sample"
            );
            assert_eq!(values, samples, "{file}");
            if kind == "heap" || kind == "allocs" {
                assert!(
                    snap["memstats"]["NumGC"].as_u64().is_some(),
                    "{file}: MemStats trailer parsed"
                );
                assert!(
                    snap["records"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|r| !r["frames"].as_array().unwrap().is_empty())
                );
            }
        }
    }
}

#[test]
fn golden_totals_for_every_profile_kind() {
    let files = [
        "go1.27/shop/snapshots/heap-debug1.txt",
        "go1.27/shop/snapshots/allocs-debug1.txt",
        "go1.27/shop/snapshots/block-debug1.txt",
        "go1.27/shop/snapshots/mutex-debug1.txt",
        "go1.27/shop/snapshots/goroutine-debug2.txt",
        "go1.27/shop/snapshots/goroutineleak-debug1.txt",
        "go1.27/storm/goroutine-debug2.txt",
        "go1.27/shop/dumps/sigquit-gotraceback-all.txt",
        "go1.27/shop/prof-debug2.log",
        "go1.19/shop/snapshots/heap-debug1.txt",
        "go1.19/shop/snapshots/allocs-debug1.txt",
        "go1.19/shop/snapshots/block-debug1.txt",
        "go1.19/shop/snapshots/mutex-debug1.txt",
        "go1.19/shop/snapshots/goroutine-debug2.txt",
        "go1.19/storm/goroutine-debug2.txt",
        "go1.19/shop/dumps/sigquit-gotraceback-all.txt",
        "go1.19/shop/prof-debug2.log",
        "go1.19/batch/snapshots/heap-debug1.txt",
        "go1.19/batch/snapshots/block-debug1.txt",
        "go1.19/batch/snapshots/mutex-debug1.txt",
        "go1.19/batch/snapshots/goroutine-debug2.txt",
        "go1.19/batch/dumps/panic-gotraceback-all.txt",
        "go1.19/batch/dumps/panic-gotraceback-default.txt",
        "go1.19/batch/dumps/sigquit-gotraceback-all.txt",
    ];
    for file in files {
        let output = run_both("pp-totals", &["-q"], file);
        assert_eq!(output.status.code(), Some(0), "{file}");
        let name = file
            .trim_end_matches(".txt")
            .trim_end_matches(".log")
            .replace('/', "-");
        golden(&format!("pp-totals/{name}.csv"), &output.stdout);
    }
}

/// Goroutine headers of a dump's text, split at date lines like the log.
fn headers_per_section(text: &str) -> Vec<u64> {
    let mut counts = vec![0];
    for line in text.lines() {
        if line.starts_with("Fri Nov 27") {
            counts.push(0);
        } else if line.starts_with("goroutine ") && line.ends_with("]:") {
            *counts.last_mut().unwrap() += 1;
        }
    }
    if counts.len() > 1 {
        counts.remove(0);
    }
    counts
}

#[test]
fn dumps_count_every_goroutine_header() {
    let files = [
        "go1.27/shop/snapshots/goroutine-debug2.txt",
        "go1.19/shop/snapshots/goroutine-debug2.txt",
        "go1.27/storm/goroutine-debug2.txt",
        "go1.19/storm/goroutine-debug2.txt",
        "go1.27/shop/dumps/sigquit-gotraceback-all.txt",
        "go1.19/shop/dumps/sigquit-gotraceback-all.txt",
        "go1.19/batch/dumps/sigquit-gotraceback-all.txt",
        "go1.19/batch/dumps/panic-gotraceback-all.txt",
        "go1.19/batch/dumps/panic-gotraceback-default.txt",
        "go1.27/shop/prof-debug2.log",
        "go1.19/shop/prof-debug2.log",
    ];
    for file in files {
        let text = String::from_utf8(fixture_bytes(file)).unwrap();
        let expected = headers_per_section(&text);
        let ours = snapshots(&["-q", &path(file)], None);
        let totals: Vec<u64> = ours.iter().map(|s| s["total"].as_u64().unwrap()).collect();
        assert_eq!(totals, expected, "{file}");
        for snap in &ours {
            let counted: u64 = snap["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["count"].as_u64().unwrap())
                .sum();
            assert_eq!(Some(counted), snap["total"].as_u64(), "{file}");
            assert_eq!(snap["status"], "complete", "{file}");
        }
    }
    // The fixtures' index of the debug=2 logs agrees (its goroutines column).
    for (log, index) in [
        (
            "go1.27/shop/prof-debug2.log",
            "oracles/index/go1.27-shop-prof-debug2.csv",
        ),
        (
            "go1.19/shop/prof-debug2.log",
            "oracles/index/go1.19-shop-prof-debug2.csv",
        ),
    ] {
        let oracle = String::from_utf8(fixture_bytes(index)).unwrap();
        let goroutines: Vec<u64> = oracle
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(7).unwrap().parse().unwrap())
            .collect();
        let ours: Vec<u64> = snapshots(&["-q", &path(log)], None)
            .iter()
            .map(|s| s["total"].as_u64().unwrap())
            .collect();
        assert_eq!(ours, goroutines, "{log}");
    }
}

/// A panicparse group: count, state, frames as `pkg.func file:line`.
type Group = (u64, String, Vec<String>);

/// Parses panicparse 2.3's text output (its groups start `N: state ...`).
fn panicparse_groups(text: &str) -> Vec<Group> {
    let mut groups: Vec<Group> = Vec::new();
    for line in text.lines() {
        if let Some((count, rest)) = line
            .split_once(": ")
            .filter(|(c, _)| c.parse::<u64>().is_ok())
        {
            let state = rest.split(" [").next().unwrap().to_string();
            groups.push((count.parse().unwrap(), state, Vec::new()));
        } else if let (Some(group), true) = (groups.last_mut(), line.starts_with("    ")) {
            // `    pkg  file:line  func(args)`; panicparse leaves pkg out for `panic`.
            let words: Vec<&str> = line.split_whitespace().collect();
            if words.len() < 2 {
                continue; // `(...)`: panicparse's mark for elided frames
            }
            let place_at = usize::from(!words[0].contains(".go:"));
            let (place, call) = (words[place_at], words[place_at + 1..].join(" "));
            let func = strip_args(&call);
            group.2.push(match place_at {
                0 => format!("{func} {place}"),
                _ => format!("{}.{func} {place}", words[0]),
            });
        }
    }
    groups
}

/// `f(a, b)` → `f`, `(*T).m(x)` → `(*T).m`: drops the final, balanced argument list.
fn strip_args(call: &str) -> &str {
    let mut depth = 0;
    for (i, c) in call.char_indices().rev() {
        match c {
            ')' => depth += 1,
            '(' => {
                depth -= 1;
                if depth == 0 {
                    return &call[..i];
                }
            }
            _ => {}
        }
    }
    call
}

/// Our record's frames in panicparse's terms: the last path element of the
/// function, and the file's base name.
fn our_frames(record: &Value) -> Vec<String> {
    record["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let func = f["func"].as_str().unwrap();
            let func = func.rsplit('/').next().unwrap();
            // panicparse prints <autogenerated> as an empty file name.
            let file = f["file"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .replace("<autogenerated>", "");
            format!("{func} {file}:{}", f["line"])
        })
        .collect()
}

/// panicparse keeps only the frames before `...N frames elided...`; we keep
/// those after it too and mark the stack truncated.
fn same_frames(record: &Value, theirs: &[String]) -> bool {
    let ours = our_frames(record);
    ours == theirs || (record["truncated"] == true && ours.starts_with(theirs))
}

/// Our groups are unions of panicparse's: panicparse also separates
/// goroutines by creator and by argument values, which we ignore. So every
/// panicparse group falls into exactly one of ours, and the counts add up.
#[test]
fn grouping_agrees_with_panicparse() {
    let cases = [
        (
            "go1.27/shop/snapshots/goroutine-debug2.txt",
            "go1.27-shop-goroutine-debug2",
        ),
        (
            "go1.19/shop/snapshots/goroutine-debug2.txt",
            "go1.19-shop-goroutine-debug2",
        ),
        (
            "go1.19/batch/dumps/sigquit-gotraceback-all.txt",
            "go1.19-batch-sigquit",
        ),
        (
            "go1.19/batch/dumps/panic-gotraceback-all.txt",
            "go1.19-batch-panic-all",
        ),
        (
            "go1.19/shop/dumps/sigquit-gotraceback-all.txt",
            "go1.19-shop-sigquit",
        ),
    ];
    for (file, oracle) in cases {
        let theirs = panicparse_groups(
            &String::from_utf8(fixture_bytes(&format!("oracles/panicparse/{oracle}.txt"))).unwrap(),
        );
        assert!(!theirs.is_empty(), "{oracle}");
        let ours = snapshots(&["-q", &path(file)], None);
        let records = ours[0]["records"].as_array().unwrap();
        let mut filled: BTreeMap<usize, u64> = BTreeMap::new();
        for (count, state, frames) in &theirs {
            let matches: Vec<usize> = (0..records.len())
                .filter(|&i| {
                    records[i]["state"] == state.as_str() && same_frames(&records[i], frames)
                })
                .collect();
            assert_eq!(
                matches.len(),
                1,
                "{file}: panicparse group {state} {frames:?}"
            );
            *filled.entry(matches[0]).or_default() += count;
        }
        for (i, record) in records.iter().enumerate() {
            assert_eq!(
                filled.get(&i).copied(),
                record["count"].as_u64(),
                "{file}: record {i}"
            );
        }
        assert!(records.len() <= theirs.len());
    }
}

#[test]
fn several_kinds_in_one_input() {
    let mut input = Vec::new();
    for file in [
        "goroutine-debug1.txt",
        "heap-debug1.txt",
        "block-debug1.txt",
        "goroutine-debug2.txt",
    ] {
        let text = fixture_bytes(&format!("go1.27/shop/snapshots/{file}"));
        let end = text.iter().rposition(|&b| b != b'\n').unwrap() + 1;
        input.extend_from_slice(&text[..end]);
        input.push(b'\n');
    }
    let totals = run("pp-totals", &["-q"], Some(input.clone()));
    let kinds: Vec<String> = stdout(&totals)
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["goroutine", "heap", "block", "goroutine"]);
    assert_eq!(
        stdout(&totals)
            .lines()
            .filter(|l| l.ends_with(",complete") || l.contains(",complete,"))
            .count(),
        4
    );

    let mixed = run("pp-fold", &[], Some(input.clone()));
    assert_eq!(mixed.status.code(), Some(1));
    assert!(
        stderr(&mixed).contains("holds goroutine and heap profiles"),
        "{}",
        stderr(&mixed)
    );
    let heap = run(
        "pp-fold",
        &["-q", "--kind", "heap", "--value", "alloc_space"],
        Some(input.clone()),
    );
    let sum: u64 = stdout(&heap)
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        sum, 44144866,
        "the heap's alloc_space, as pp-totals sums it"
    );
    let goroutines = run("pp-fold", &["-q", "--kind", "goroutine"], Some(input));
    let sum: u64 = stdout(&goroutines)
        .lines()
        .map(|l| l.rsplit_once(' ').unwrap().1.parse::<u64>().unwrap())
        .sum();
    assert_eq!(
        sum,
        754 * 2,
        "debug=1 and debug=2 of the same moment, folded together"
    );
}

#[test]
fn dumps_inside_other_text() {
    let dump = String::from_utf8(fixture_bytes(
        "go1.19/batch/dumps/panic-gotraceback-all.txt",
    ))
    .unwrap();
    let logged: String =
        format!("$ ./batch\n2026/11/27 15:19:10 starting\n{dump}exit status 2\n$ echo done\n");
    let ours = snapshots(&["-q"], Some(logged.into_bytes()));
    assert_eq!(ours.len(), 1);
    assert_eq!(
        (ours[0]["status"].as_str(), ours[0]["total"].as_u64()),
        (Some("complete"), Some(25))
    );
    let split = run(
        "pp-split",
        &[],
        Some(format!("$ ./batch\n{dump}$ echo\n").into_bytes()),
    );
    assert!(
        stderr(&split).contains("unknown lines skipped"),
        "{}",
        stderr(&split)
    );
}

#[test]
fn dump_details() {
    let text = "goroutine 1 [running]:\n\
        main.main()\n\
        \t/app/main.go:10 +0x1d\n\
        \n\
        goroutine 2 [chan receive, 3 minutes]:\n\
        main.worker(...)\n        C:/work space/w.go:7\n\
        ...additional frames elided...\n\
        created by main.main in goroutine 1\n\
        \t/app/main.go:9 +0x2a\n\
        [originating from goroutine 1]:\n\
        main.ancestor(0x1)\n\
        \t/app/a.go:1 +0x1\n\
        \n\
        goroutine 3 [chan receive, 7 minutes]:\n\
        main.worker(...)\n\
        \tC:/work space/w.go:7\n\
        created by main.main\n\
        \t/app/main.go:9 +0x2a\n\
        \n\
        goroutine 5 [chan receive]:\n\
        main.worker(...)\n\
        \tC:/work space/w.go:7\n\
        created by main.other in goroutine 1\n\
        \t/app/main.go:19 +0x2a\n\
        \n\
        goroutine 4 [running]:\n\
        \tgoroutine running on other thread; stack unavailable\n";
    let ours = snapshots(&["-q"], Some(text.as_bytes().to_vec()));
    let records = ours[0]["records"].as_array().unwrap();
    assert_eq!(ours[0]["total"], 5);
    assert_eq!(
        records.len(),
        4,
        "goroutines of another creator are another group"
    );
    assert_eq!(records[0]["created_by"], Value::Null);
    assert_eq!(
        records[1]["created_by"], "main.main",
        "Go 1.21's `created by F in goroutine N` and Go 1.19's `created by F`"
    );
    assert_eq!(records[2]["created_by"], "main.other");
    assert_eq!(records[2]["count"], 1);
    assert_eq!(records[2]["wait_minutes"], Value::Null);
    assert_eq!(records[1]["count"], 2);
    assert_eq!(records[1]["state"], "chan receive");
    assert_eq!(records[1]["wait_minutes"], serde_json::json!([3, 7]));
    assert_eq!(
        records[0]["wait_minutes"],
        Value::Null,
        "no goroutine of the group had `, N minutes`: no wait, not [0, 0]"
    );
    assert_eq!(
        records[1]["truncated"], true,
        "elided frames mark the group truncated"
    );
    assert_eq!(
        records[1]["frames"],
        serde_json::json!([{"func": "main.worker", "file": "C:/work space/w.go", "line": 7}])
    );
    assert_eq!(records[3]["frames"], serde_json::json!([]));
    let folded = stdout(&run(
        "pp-fold",
        &["-q", "--state"],
        Some(text.as_bytes().to_vec()),
    ));
    assert_eq!(
        folded,
        "[chan receive];[truncated];main.worker 2\n[chan receive];main.worker 1\n[running];[no frames] 1\n[running];main.main 1\n"
    );
}

#[test]
fn cut_dumps_are_partial() {
    let log = fixture_bytes("go1.27/shop/prof-debug2.log");
    let text = String::from_utf8(log).unwrap();
    // Cut the second snapshot in the middle of a line and let `date` write
    // right after it, as a killed curl leaves it.
    let second = text.match_indices("Fri Nov 27").nth(1).unwrap().0;
    let third = text.match_indices("Fri Nov 27").nth(2).unwrap().0;
    let cut = second + (third - second) / 2;
    let glued = format!("{}{}", &text[..cut], &text[third..]);
    let ours = snapshots(&["-q"], Some(glued.into_bytes()));
    let statuses: Vec<&str> = ours.iter().map(|s| s["status"].as_str().unwrap()).collect();
    assert_eq!(
        ours.len(),
        20,
        "the glued date line still starts its snapshot"
    );
    assert_eq!(&statuses[..3], ["complete", "partial", "complete"]);
    assert!(statuses[3..].iter().all(|s| *s == "complete"));
}

#[test]
fn golden_folds_of_other_kinds() {
    let cases: &[(&str, &[&str], &str)] = &[
        (
            "go1.27/shop/snapshots/mutex-debug1.txt",
            &[],
            "go1.27-mutex-delay.folded",
        ),
        (
            "go1.27/shop/snapshots/heap-debug1.txt",
            &["--value", "inuse_objects"],
            "go1.27-heap-inuse-objects.folded",
        ),
        (
            "go1.27/shop/snapshots/goroutine-debug2.txt",
            &["--state", "--trim-runtime"],
            "go1.27-goroutine-debug2-state.folded",
        ),
    ];
    for (file, args, name) in cases {
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        let output = run_both("pp-fold", &all, file);
        golden(&format!("pp-fold/{name}"), &output.stdout);
    }
}

/// A dump that a logger prefixed line by line reads like the dump itself.
#[test]
fn dumps_behind_a_logger_prefix() {
    let dump = String::from_utf8(fixture_bytes(
        "go1.19/batch/dumps/panic-gotraceback-all.txt",
    ))
    .unwrap();
    let plain = snapshots(&["-q"], Some(dump.clone().into_bytes()));
    for (i, stamp) in ["2026/11/27 15:19:1", "2026-11-27T09:49:1", "Nov 27 15:19:1"]
        .iter()
        .enumerate()
    {
        let logged: String = dump
            .lines()
            .enumerate()
            .map(|(n, line)| format!("{stamp}{} app[42]: {line}\n", n % 10))
            .collect();
        let ours = snapshots(
            &["-q"],
            Some(format!("{logged}exit status 2\n").into_bytes()),
        );
        assert_eq!(ours.len(), 1, "prefix {i}");
        assert_eq!(ours[0]["records"], plain[0]["records"], "prefix {i}");
        assert_eq!(ours[0]["total"], plain[0]["total"], "prefix {i}");
    }
}
