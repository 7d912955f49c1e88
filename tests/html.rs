//! pp-html: the page is self-contained and deterministic, its call tree
//! equals pp-fold's aggregation node by node, failed snapshots are marked on
//! the timeline, every input string is escaped, and memory and page size stay
//! bounded with many distinct stacks. (tests/browser.rs runs the page's script.)

mod common;

use std::collections::BTreeMap;

use common::{fixture_bytes, page, path, run, stderr, stdout};
use serde_json::Value;

/// Asserts that two pages are equal, showing where they first differ.
fn same(a: &str, b: &str, what: &str) {
    if a != b {
        let at = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let context = |s: &str| s[at.saturating_sub(80)..(at + 80).min(s.len())].to_string();
        panic!(
            "{what}: differ at byte {at}:\n{}\n---\n{}",
            context(a),
            context(b)
        );
    }
}

/// The JSON data block the page's script reads.
fn data(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/json\" id=\"pp-data\">")
        .expect("a data block");
    let json = &page[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    serde_json::from_str(json).expect("the data block is JSON")
}

/// The tree as `path root→node` (frames joined by `;`) → cumulative count.
fn tree_paths(data: &Value, lines: bool) -> BTreeMap<String, u64> {
    let tree = &data["tree"];
    let column = |name: &str, i: usize| tree[name][i].as_u64().unwrap();
    let strings: Vec<&str> = tree["strings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    let mut paths = BTreeMap::new();
    let mut stack = vec![(0usize, String::new())];
    while let Some((i, prefix)) = stack.pop() {
        let (first, count) = (column("first", i) as usize, column("count", i) as usize);
        for c in first..first + count {
            assert_eq!(column("flags", c) & 2, 0, "no node left out");
            let mut name = strings[column("name", c) as usize].to_string();
            let file = strings[column("file", c) as usize];
            if lines && !file.is_empty() {
                name = format!("{name} {file}:{}", column("line", c));
            }
            let path = if prefix.is_empty() {
                name
            } else {
                format!("{prefix};{name}")
            };
            paths.insert(path.clone(), column("total", c));
            stack.push((c, path));
        }
    }
    paths
}

/// pp-fold's lines as the same map: every prefix of every line, summed.
fn fold_paths(folded: &str) -> BTreeMap<String, u64> {
    let mut paths = BTreeMap::new();
    for line in folded.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let count: u64 = count.parse().unwrap();
        let mut end = 0;
        for frame in stack.split(';') {
            end += frame.len();
            *paths.entry(stack[..end].to_string()).or_default() += count;
            end += 1;
        }
    }
    paths
}

/// Every node of the call tree counts what pp-fold counts for that prefix,
/// roots included, for every gathering log and every aggregation option.
#[test]
fn call_tree_equals_pp_fold() {
    let logs = [
        "go1.27/shop/prof.log",
        "go1.19/shop/prof.log",
        "go1.19/batch/prof.log",
        "go1.27/shop/prof-restart.log",
        "go1.27/shop/prof-truncated.log",
        "go1.27/storm/goroutine-debug1.txt",
        "go1.27/shop/prof-debug2.log",
        "go1.27/shop/snapshots/heap-debug1.txt",
        "go1.27/shop/snapshots/mutex-debug1.txt",
    ];
    let modes: &[&[&str]] = &[
        &[],
        &["--labels"],
        &["--trim-runtime", "--aggregate", "last"],
        &["--aggregate", "max", "--labels", "--trim-runtime"],
        &["--aggregate", "mean"],
        &["--lines"],
        &["--state", "--labels", "--trim-runtime"],
    ];
    for log in logs {
        for mode in modes {
            let mut args = vec!["-q"];
            args.extend_from_slice(mode);
            let file = path(log);
            args.push(&file);
            let tree = tree_paths(&data(&page(&args, None)), mode.contains(&"--lines"));
            let folded = fold_paths(&stdout(&run("pp-fold", &args, None)));
            assert_eq!(tree, folded, "{log} {mode:?}");
            let roots = |m: &BTreeMap<String, u64>| -> u64 {
                m.iter()
                    .filter(|(k, _)| !k.contains(';'))
                    .map(|(_, v)| v)
                    .sum()
            };
            assert!(roots(&tree) > 0, "{log} {mode:?}");
        }
    }
}

/// With `--state`, the roots of the tree are a dump's goroutine states, each
/// counting what pp-fold --state's lines under it sum to.
#[test]
fn state_roots_equal_pp_fold_state() {
    let file = path("go1.27/shop/prof-debug2.log");
    for aggregate in ["sum", "last"] {
        let args = ["-q", "--state", "--aggregate", aggregate, &file];
        let tree = tree_paths(&data(&page(&args, None)), false);
        let folded = fold_paths(&stdout(&run("pp-fold", &args, None)));
        let roots = |paths: &BTreeMap<String, u64>| -> BTreeMap<String, u64> {
            paths
                .iter()
                .filter(|(path, _)| !path.contains(';'))
                .map(|(path, &count)| (path.clone(), count))
                .collect()
        };
        let states = roots(&tree);
        assert_eq!(states, roots(&folded), "--aggregate {aggregate}");
        assert!(
            states.len() >= 4
                && states
                    .keys()
                    .all(|s| s.starts_with('[') && s.ends_with(']')),
            "{states:?}"
        );
        assert!(states.contains_key("[chan send]"), "{states:?}");
    }
    let top = page(&["-q", "--state", &file], None);
    assert!(top.contains("<span class=\"tag\">[chan send]</span>"));
}

#[test]
fn page_is_self_contained_and_deterministic() {
    let log = "go1.27/shop/prof.log";
    let output = run("pp-html", &[&path(log)], None);
    assert_eq!(stderr(&output), "pp-html: 50 snapshots: 50 complete\n");
    let by_file = stdout(&output);
    let by_stdin = page(&["-q"], Some(fixture_bytes(log)));
    // The input's name is the path in a file's page; <wbr>s mark where it may wrap.
    same(
        &by_file
            .replace("<wbr>", "")
            .replace(&path(log), "standard input"),
        &by_stdin.replace("<wbr>", ""),
        "file and stdin",
    );
    same(
        &page(&["-q", &path(log)], None),
        &by_file,
        "same bytes every run",
    );
    assert!(by_file.starts_with("<!DOCTYPE html>\n"));
    assert!(by_file.contains("Content-Security-Policy\" content=\"default-src 'none';"));
    for load in [
        "<link",
        " src=",
        "@import",
        "url(",
        "<iframe",
        "fetch(",
        "XMLHttpRequest",
    ] {
        assert!(!by_file.contains(load), "the page loads nothing: {load}");
    }
    for section in [
        "summary",
        "leak-suspects",
        "timeline",
        "call-tree",
        "flame-graph",
        "top-stacks",
    ] {
        assert!(
            by_file.contains(&format!("<section id=\"{section}\">")),
            "{section}"
        );
    }
    assert!(by_file.contains("min 55 · median 303 · max 551 goroutines (over 50 profiles)"));
    assert!(by_file.contains("2026-11-27T15:13:27 → 2026-11-27T15:14:17 (50 s)"));
    assert!(by_file.contains("<span class=\"status complete\">50 complete</span>"));
    // The leak heads the top stacks: 29 goroutines at first, 525 at last and at its peak.
    let top = &by_file[by_file.find("<table class=\"top\">").unwrap()..];
    let body = &top[top.find("<tbody><tr>").unwrap()..];
    let first_row = &body[..body.find("</tr>").unwrap()];
    assert!(
        first_row.contains("<td class=\"n\">29</td><td class=\"n\">525</td>")
            && first_row.contains("<td class=\"n grow\" title=\"noise: ±50\">+496</td>")
            && first_row.contains("main.<wbr>(*Server).<wbr>quote"),
        "{first_row}"
    );
    let tips = data(&by_file)["timeline"].as_array().unwrap().len();
    assert_eq!(tips, 50, "one hover tip per snapshot");
}

#[test]
fn failed_snapshots_are_marked_never_zero() {
    let restart = page(&["-q", &path("go1.27/shop/prof-restart.log")], None);
    assert_eq!(restart.matches("<rect class=\"mark missing\"").count(), 4);
    assert!(restart.contains("<span class=\"status missing\">4 missing</span>"));
    let line = &restart[restart.find("<path class=\"line\" d=\"").unwrap()..];
    let line = &line[..line.find("\"/>").unwrap()];
    assert_eq!(line.matches('M').count(), 2, "the line breaks at the gap");
    let tips = data(&restart)["timeline"].as_array().unwrap().clone();
    let gaps: Vec<&Value> = tips.iter().filter(|t| t["y"].is_null()).collect();
    assert_eq!(gaps.len(), 4);
    assert!(
        gaps.iter()
            .all(|t| t["text"][2] == "no profile" && t["text"][3] == "missing")
    );

    let truncated = page(&["-q", &path("go1.27/shop/prof-truncated.log")], None);
    assert_eq!(truncated.matches("<rect class=\"mark partial\"").count(), 1);
    assert!(truncated.contains("<circle class=\"dot partial\""));

    let errors = path("go1.27/shop/prof-error-body.log");
    let alone = run("pp-html", &[&errors], None);
    assert_eq!(alone.status.code(), Some(1));
    assert!(alone.stdout.is_empty());
    assert!(stderr(&alone).ends_with("pp-html: no profile found in the input\n"));
    let mixed = page(&["-q", &errors, &path("go1.27/shop/prof.log")], None);
    assert_eq!(mixed.matches("<rect class=\"mark error\"").count(), 8);
}

/// A log whose names, files and labels try to break out of the page.
fn evil_log() -> Vec<u8> {
    let evil = "</script><script>alert(1)</script>";
    let img = "<img src=x onerror=alert(1)>";
    format!(
        "Fri Nov 27 15:13:27 IST 2026\ngoroutine profile: total 3\n\
         2 @ 0x1 0x2\n# labels: {{\"h\":\"{}\", \"q\":\"\\\"x\\\" & {img}\"}}\n\
         #\t0x1\tmain.{evil}+0x1\t/src/a&b\"c/{img}.go:7\n\
         #\t0x2\tmain.'quote'\"&amp;+0x2\t/src/{evil}.go:9\n\n\
         1 @ 0x3\n#\t0x3\t{img}+0x1\t/x.go:1\n\n",
        evil.replace('"', "\\\"")
    )
    .into_bytes()
}

#[test]
fn input_strings_are_escaped() {
    let evil = "</script><script>alert(1)</script>";
    for mode in [&[][..], &["--labels", "--lines"][..]] {
        let mut args = vec!["-q", "--title", evil];
        args.extend_from_slice(mode);
        let page = page(&args, Some(evil_log()));
        // Names may wrap at <wbr>s, put between the escaped pieces.
        assert!(page.contains("main.<wbr>&lt;/<wbr>script&gt;"));
        let page = page.replace("<wbr>", "");
        assert_eq!(
            page.matches("<script").count(),
            2,
            "the data block and the script"
        );
        assert_eq!(page.matches("</script").count(), 2);
        assert!(!page.contains("<img"), "{mode:?}");
        assert!(!page.contains("alert(1)</"), "{mode:?}");
        assert!(
            page.contains("<title>&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</title>")
        );
        assert!(page.contains("main.&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("/src/a&amp;b&quot;c/&lt;img src=x onerror=alert(1)&gt;.go:7"));
        assert!(page.contains("main.&#39;quote&#39;&quot;&amp;amp;"));
        // The script's data round-trips to the original strings.
        let strings = data(&page)["tree"]["strings"].clone();
        let strings: Vec<&str> = strings
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap())
            .collect();
        assert!(
            strings.contains(&"main.</script><script>alert(1)</script>"),
            "{strings:?}"
        );
        assert!(
            strings.contains(&"<img src=x onerror=alert(1)>"),
            "{strings:?}"
        );
        if mode.contains(&"--labels") {
            assert!(
                strings.contains(&"q=\"x\" & <img src=x onerror=alert(1)>"),
                "{strings:?}"
            );
            assert!(page.contains(
                "<span class=\"tag\">h=&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;</span>"
            ));
        }
    }
}

#[test]
fn options_and_usage() {
    let log = path("go1.27/shop/prof.log");
    let three = page(&["-q", "--top", "3", &log], None);
    let top = &three[three.find("<table class=\"top\">").unwrap()..];
    assert_eq!(top.matches("<tr><td>").count(), 3);
    assert!(
        three.contains("<title>go1.27/shop/prof.log")
            || three.contains("prof.log · goroutine profiles</title>")
    );
    let threads = page(
        &[
            "-q",
            "--kind",
            "threadcreate",
            &path("go1.27/shop/snapshots/threadcreate-debug1.txt"),
        ],
        None,
    );
    assert!(threads.contains("threads"));
    let mixed = run(
        "pp-html",
        &[
            &path("go1.27/shop/snapshots/goroutine-debug1.txt"),
            &path("go1.27/shop/snapshots/threadcreate-debug1.txt"),
        ],
        None,
    );
    assert_eq!(mixed.status.code(), Some(1));
    assert!(mixed.stdout.is_empty());
    for bad in [
        &["--aggregate", "median"][..],
        &["--top", "x"][..],
        &["--no-such-flag"][..],
    ] {
        let output = run("pp-html", bad, Some(Vec::new()));
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(output.stdout.is_empty());
    }
}

/// More distinct stacks than the page holds nodes for: the page keeps the
/// heaviest, sums the rest into "N more" nodes, and the counts still add up.
#[test]
fn many_stacks_fold_into_more() {
    let stacks = 40_000;
    let count = |i: u64| if i.is_multiple_of(100) { 50 } else { 1 };
    let total: u64 = (0..stacks).map(count).sum();
    let mut log = format!("goroutine profile: total {total}\n");
    for i in 0..stacks {
        log.push_str(&format!(
            "{} @ 0x1 0x2 0x3 0x4 0x5\n#\t0x1\tleaf.f{i}+0x1\t/l.go:1\n#\t0x2\tmid.g{i}+0x1\t/m.go:1\n\
             #\t0x3\tlow.k{i}+0x1\t/k.go:1\n#\t0x4\tsvc.h{}+0x1\t/s.go:1\n#\t0x5\tmain.main+0x1\t/main.go:1\n\n",
            count(i),
            i % 1000
        ));
    }
    let page = page(&["-q"], Some(log.into_bytes()));
    assert!(
        page.contains("40000 (3 frames") || page.contains("<dd>40000 ("),
        "distinct stacks shown"
    );
    let tree = &data(&page)["tree"];
    let totals = tree["total"].as_array().unwrap();
    let flags = tree["flags"].as_array().unwrap();
    let more = flags.iter().filter(|f| f.as_u64() == Some(2)).count();
    assert_eq!(totals.len() - more, 100_000, "the budget, filled");
    assert!(more > 0 && more <= 100_000);
    assert_eq!(totals[0].as_u64(), Some(total));
    assert_eq!(
        totals[1].as_u64(),
        Some(total),
        "main.main holds every goroutine"
    );
    // Every node still adds up: self plus children, the "more" nodes included.
    let (first, count, own) = (&tree["first"], &tree["count"], &tree["self"]);
    for i in (0..totals.len()).filter(|&i| flags[i].as_u64() != Some(2)) {
        let (f, c) = (
            first[i].as_u64().unwrap() as usize,
            count[i].as_u64().unwrap() as usize,
        );
        let children: u64 = totals[f..f + c].iter().map(|t| t.as_u64().unwrap()).sum();
        assert_eq!(
            totals[i].as_u64().unwrap(),
            own[i].as_u64().unwrap() + children,
            "node {i}"
        );
    }
    assert!(page.len() < 16 << 20, "{} bytes", page.len());
    assert!(page.contains("This page holds the 100000 heaviest of the 121002 call-tree nodes"));
}
