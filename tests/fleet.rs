//! Many sources at once (issue 14): one log per pod, read in parallel, each
//! row, line and object saying whose it is.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{path, run, stderr, stdout};

/// Three pods: a and c run the steady batch service, b the shop that leaks.
fn pods() -> Vec<String> {
    let batch = path("go1.19/batch/prof.log");
    let shop = path("go1.27/shop/prof.log");
    vec![
        format!("--source=pod-a={batch}"),
        format!("--source=pod-b={shop}"),
        format!("--source=pod-c={batch}"),
    ]
}

fn with(args: &[&str], extra: &[String]) -> Vec<String> {
    args.iter()
        .map(|a| a.to_string())
        .chain(extra.iter().cloned())
        .collect()
}

fn ok(binary: &str, args: &[String]) -> String {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(binary, &args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{binary} {args:?}: {}",
        stderr(&out)
    );
    stdout(&out)
}

#[test]
fn the_leaking_source_is_named_and_no_other() {
    let leaks = ok("pp-totals", &with(&["-q", "--leaks"], &pods()));
    let rows: Vec<&str> = leaks.lines().collect();
    assert!(rows[0].starts_with("source,stack,"), "{leaks}");
    assert_eq!(rows.len(), 2, "{leaks}");
    assert!(
        rows[1].starts_with("pod-b,main.(*Server).quote,"),
        "{leaks}"
    );
    // The same pods, gated: the check names the source it held in.
    let gate = run(
        "pp-totals",
        &with(&["-q", "--fail-if", "suspects>0"], &pods())
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        None,
    );
    assert_eq!(gate.status.code(), Some(3), "{}", stderr(&gate));
    assert!(
        stderr(&gate).contains("check failed: pod-b: suspects>0"),
        "{}",
        stderr(&gate)
    );
    assert!(!stderr(&gate).contains("pod-a:") && !stderr(&gate).contains("pod-c:"));
}

#[test]
fn each_source_counts_its_snapshots_from_0() {
    let rows = ok("pp-totals", &with(&["-q"], &pods()));
    let firsts: Vec<&str> = rows
        .lines()
        .filter(|row| row.split(',').nth(1) == Some("0"))
        .map(|row| row.split(',').next().unwrap())
        .collect();
    assert_eq!(firsts, ["pod-a", "pod-b", "pod-c"]);
    assert!(rows.starts_with("source,index,time,elapsed_s,"));
    assert_eq!(rows.lines().count(), 1 + 40 + 50 + 40);
    // elapsed_s is per source too: pod-b's first row is at 0.
    assert!(
        rows.contains("\npod-b,0,2026-11-27T15:13:27,0,goroutine,55,"),
        "{rows}"
    );
    let json = ok("pp-split", &with(&["-q", "--last", "1"], &pods()));
    let sources: Vec<(String, u64)> = json
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["source"].as_str().unwrap().to_string(),
                v["index"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        [
            ("pod-a".into(), 39),
            ("pod-b".into(), 49),
            ("pod-c".into(), 39)
        ]
    );
}

/// `-j 1` and `-j 4` write the same bytes, for every binary and mode.
#[test]
fn output_does_not_depend_on_the_number_of_threads() {
    let cases: [(&str, &[&str]); 9] = [
        ("pp-totals", &[]),
        ("pp-totals", &["--by", "stack"]),
        ("pp-totals", &["--leaks"]),
        ("pp-split", &[]),
        ("pp-split", &["--text"]),
        ("pp-fold", &["--source-root"]),
        ("pp-fold", &["--source-root", "--diff"]),
        ("pp-fold", &[]),
        ("pp-html", &[]),
    ];
    for (binary, args) in cases {
        let one = ok(binary, &with(&[&["-q", "-j", "1"], args].concat(), &pods()));
        let four = ok(binary, &with(&[&["-q", "-j", "4"], args].concat(), &pods()));
        assert!(one == four, "{binary} {args:?}: -j 1 and -j 4 differ");
        assert!(!one.is_empty());
    }
}

#[test]
fn source_root_puts_each_pod_at_the_root() {
    let folded = ok("pp-fold", &with(&["-q", "--source-root"], &pods()));
    let roots: Vec<&str> = folded
        .lines()
        .map(|l| l.split(';').next().unwrap())
        .collect();
    let mut distinct = roots.clone();
    distinct.dedup();
    assert_eq!(distinct, ["pod-a", "pod-b", "pod-c"]);
    // Each pod's lines are what pp-fold writes for that log alone.
    let alone = ok("pp-fold", &["-q".into(), path("go1.27/shop/prof.log")]);
    let pod_b: String = folded
        .lines()
        .filter_map(|l| l.strip_prefix("pod-b;"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(pod_b, alone);
    // Without it, the sources add up as one input.
    let summed = ok("pp-fold", &with(&["-q"], &pods()));
    assert!(!summed.contains("pod-"));
}

#[test]
fn sources_from_a_directory_and_name_clashes() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fleet-pods");
    let _ = fs::remove_dir_all(&dir);
    for (pod, file) in [
        ("web-1", "go1.27/shop/prof.log"),
        ("web-2", "go1.19/batch/prof.log"),
    ] {
        fs::create_dir_all(dir.join(pod)).unwrap();
        fs::write(dir.join(pod).join("prof.log"), common::fixture_bytes(file)).unwrap();
    }
    let rows = ok(
        "pp-totals",
        &[
            "-q".into(),
            "--source-from-dir".into(),
            dir.display().to_string(),
        ],
    );
    let sources: Vec<&str> = rows
        .lines()
        .skip(1)
        .map(|r| r.split(',').next().unwrap())
        .collect();
    assert_eq!(sources.iter().filter(|s| **s == "web-1").count(), 50);
    assert_eq!(sources.iter().filter(|s| **s == "web-2").count(), 40);
    // Two FILEs that would have the same name must be named.
    let a = dir.join("web-1/prof.log").display().to_string();
    let b = dir.join("web-2/prof.log").display().to_string();
    let clash = run("pp-totals", &[&a, &b], None);
    assert_eq!(clash.status.code(), Some(2));
    assert!(
        stderr(&clash).contains("two inputs would be the source \"prof\""),
        "{}",
        stderr(&clash)
    );
}

/// pp-html adds the pods up, and shows each one's timeline and, per top
/// stack, each pod's count in its last snapshot.
#[test]
fn the_page_shows_each_source() {
    let page = ok("pp-html", &with(&["-q", "--top", "3"], &pods()));
    let section = page
        .split("<section id=\"sources\">")
        .nth(1)
        .expect("a sources section")
        .split("</section>")
        .next()
        .unwrap();
    for pod in ["pod-a", "pod-b", "pod-c"] {
        assert!(section.contains(&format!(">{pod}</text>")), "{pod}");
    }
    assert_eq!(section.matches("class=\"line\"").count(), 3);
    // The leak's stack is the top one, and only pod-b holds it: as many as
    // pp-totals --by stack counts in pod-b's last snapshot.
    let top = page.split("<section id=\"top-stacks\">").nth(1).unwrap();
    let first_row = top
        .split("<tr><td>1</td>")
        .nth(1)
        .unwrap()
        .split("</tr>")
        .next()
        .unwrap();
    let by_source = first_row
        .split("class=\"by-source\">")
        .nth(1)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap();
    let last = ok(
        "pp-totals",
        &[
            "-q".into(),
            "--by".into(),
            "stack".into(),
            path("go1.27/shop/prof.log"),
        ],
    );
    let quote = last
        .lines()
        .filter(|l| l.starts_with("49,") && l.contains(",main.(*Server).quote,"))
        .map(|l| l.rsplit(',').next().unwrap().to_string())
        .next()
        .unwrap();
    assert_eq!(
        by_source,
        format!("<span class=\"source\">pod-b</span> {quote}")
    );
    // The leak suspects are judged per source: the one leaking pod, named.
    let suspects = page
        .split("<section id=\"leak-suspects\">")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert_eq!(
        suspects.matches("<tr id=\"suspect-").count(),
        1,
        "{suspects}"
    );
    assert!(
        suspects.contains("<span class=\"tag source\" title=\"source\">pod-b</span>"),
        "{suspects}"
    );
    // One source: no such section, no such column.
    let single = ok("pp-html", &["-q".into(), path("go1.27/shop/prof.log")]);
    assert!(
        !single.contains("<section id=\"sources\">") && !single.contains("class=\"by-source\"")
    );
}
