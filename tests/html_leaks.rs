//! pp-html's leak suspects: the same ranking as `pp-totals --leaks` on the
//! same input, whatever the page's options; each suspect's links point at
//! the tree nodes where its stack ends; hostile names stay text.

mod common;

use common::{MadeRecord, gathering_log, page, path, run, stderr};
use serde_json::Value;

/// `pp-totals --leaks`: one row per suspect, best first.
fn totals_suspects(args: &[&str], stdin: Option<Vec<u8>>) -> Vec<Vec<String>> {
    let mut all = vec!["-q", "--leaks"];
    all.extend_from_slice(args);
    let output = run("pp-totals", &all, stdin);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let mut reader = csv::Reader::from_reader(&output.stdout[..]);
    reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// The leak suspects section of a page.
fn section(page: &str) -> &str {
    let start = page
        .find("<section id=\"leak-suspects\">")
        .expect("a leak suspects section");
    let end = start + page[start..].find("</section>").unwrap();
    &page[start..end]
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The suspects' rows of a page: stack, then the first, last and peak cells.
fn page_suspects(page: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for row in section(page).split("<tr id=\"suspect-").skip(1) {
        let stack = &row[row.find("data-stack=\"").unwrap() + 12..];
        let stack = unescape(&stack[..stack.find('"').unwrap()]);
        let mut cells: Vec<String> = vec![stack];
        for cell in row.split("<td class=\"n\">").skip(1).take(3) {
            cells.push(cell[..cell.find('<').unwrap()].to_string());
        }
        rows.push(cells);
    }
    rows
}

/// The JSON data block the page's script reads.
fn data(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/json\" id=\"pp-data\">")
        .unwrap();
    let json = &page[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    serde_json::from_str(json).unwrap()
}

#[test]
fn same_ranking_as_pp_totals_leaks() {
    let logs = [
        ("go1.27/shop/prof.log", 1),
        ("go1.19/batch/prof.log", 0),
        ("go1.27/shop/prof-restart.log", 1),
        ("go1.19/shop/prof.log", 1),
        ("go1.27/shop/prof-debug2.log", 1),
        ("go1.27/shop/prof-truncated.log", 1),
        ("go1.27/storm/goroutine-debug1.txt", 0),
    ];
    let modes: &[&[&str]] = &[
        &[],
        &["--labels", "--trim-runtime"],
        &["--state", "--lines", "--aggregate", "last"],
    ];
    for (log, count) in logs {
        let file = path(log);
        let ranking = |labels: bool| -> Vec<Vec<String>> {
            let mut args = vec![file.as_str()];
            if labels {
                args.insert(0, "--labels");
            }
            totals_suspects(&args, None)
                .into_iter()
                .map(|row| row[..4].to_vec())
                .collect()
        };
        let expected = ranking(false);
        assert_eq!(expected.len(), count, "{log}: {expected:?}");
        for mode in modes {
            let mut args = vec!["-q"];
            args.extend_from_slice(mode);
            args.push(&file);
            let page = page(&args, None);
            // With --labels, each label set is a suspect of its own, as in
            // pp-totals --leaks --labels.
            let labels = mode.contains(&"--labels");
            let expected = if labels {
                ranking(true)
            } else {
                expected.clone()
            };
            assert_eq!(page_suspects(&page), expected, "{log} {mode:?}");
            let places = data(&page)["suspects"].as_array().unwrap().len();
            assert_eq!(places, expected.len(), "{log} {mode:?}: places per suspect");
        }
    }
    let quote = page(&["-q", &path("go1.27/shop/prof.log")], None);
    let order: Vec<usize> = ["summary", "leak-suspects", "timeline"]
        .iter()
        .map(|id| quote.find(&format!("<section id=\"{id}\">")).unwrap())
        .collect();
    assert!(order.is_sorted(), "after the summary, before the timeline");
    assert_eq!(page_suspects(&quote)[0][0], "main.(*Server).quote");
    assert!(section(&quote).contains("<a href=\"#suspect=1\" data-suspect=\"1\">call tree</a>"));
    let restart = page(&["-q", &path("go1.27/shop/prof-restart.log")], None);
    assert_eq!(page_suspects(&restart)[0][0], "main.(*Server).quote");
    let batch = page(&["-q", &path("go1.19/batch/prof.log")], None);
    assert!(
        section(&batch).contains(
            "<p>No stack keeps growing over these 40 snapshots, and none was proven leaked.</p>"
        ),
        "{}",
        section(&batch)
    );
    let one = page(&["-q", &path("go1.27/storm/goroutine-debug1.txt")], None);
    assert!(
        section(&one).contains("Cannot judge leaks: 1 snapshot (need 5)."),
        "{}",
        section(&one)
    );
}

/// A leak at `main.main;main.serve;main.leak;runtime.gopark` under two labels
/// and at two lines, beside a runtime variant of it and a steady stack.
fn leak_log() -> Vec<u8> {
    let frames = |names: &[(&str, u32)]| -> Vec<(String, u32)> {
        names.iter().map(|&(f, l)| (f.to_string(), l)).collect()
    };
    gathering_log(8, |i| -> Vec<MadeRecord> {
        let i = i as u64;
        let leak = |line| {
            frames(&[
                ("runtime.gopark", 1),
                ("main.leak", line),
                ("main.serve", 20),
                ("main.main", 5),
            ])
        };
        vec![
            (i + 1, r#"{"region":"eu"}"#.into(), leak(10)),
            (2 * i + 1, r#"{"region":"us"}"#.into(), leak(11)),
            (
                2,
                String::new(),
                frames(&[
                    ("runtime.gopark", 1),
                    ("runtime.selectgo", 2),
                    ("main.leak", 12),
                    ("main.serve", 20),
                    ("main.main", 5),
                ]),
            ),
            (
                3,
                String::new(),
                frames(&[("main.steady", 3), ("main.main", 5)]),
            ),
        ]
    })
}

/// The function names from the root to node `i`, pseudo-frames left out.
fn path_to(tree: &Value, node: usize) -> Vec<String> {
    let column = |name: &str, i: usize| tree[name][i].as_u64().unwrap() as usize;
    let mut parent = vec![usize::MAX; tree["name"].as_array().unwrap().len()];
    for i in 0..parent.len() {
        let first = column("first", i);
        parent[first..first + column("count", i)].fill(i);
    }
    let mut names = Vec::new();
    let mut at = node;
    while at != 0 {
        if column("flags", at) & 1 == 0 {
            names.push(
                tree["strings"][column("name", at)]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        at = parent[at];
    }
    names.reverse();
    names
}

#[test]
fn links_point_at_the_stack_in_the_tree() {
    let log = leak_log();
    let found = totals_suspects(&[], Some(log.clone()));
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0][0], "main.main;main.serve;main.leak;runtime.gopark");
    let modes: &[(&[&str], usize, &str)] = &[
        (&[], 1, "main.main;main.serve;main.leak;runtime.gopark"),
        (
            &["--labels"],
            2,
            "main.main;main.serve;main.leak;runtime.gopark",
        ),
        (
            &["--lines"],
            2,
            "main.main;main.serve;main.leak;runtime.gopark",
        ),
        (&["--trim-runtime"], 1, "main.main;main.serve;main.leak"),
        (
            &["--labels", "--lines", "--trim-runtime"],
            2,
            "main.main;main.serve;main.leak",
        ),
        (
            &["--aggregate", "max"],
            1,
            "main.main;main.serve;main.leak;runtime.gopark",
        ),
    ];
    for &(mode, count, expected) in modes {
        let mut args = vec!["-q"];
        args.extend_from_slice(mode);
        let page = page(&args, Some(log.clone()));
        let data = data(&page);
        let places: Vec<usize> = data["suspects"][0]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(places.len(), count, "{mode:?}: {places:?}");
        let totals: Vec<u64> = places
            .iter()
            .map(|&p| data["tree"]["total"][p].as_u64().unwrap())
            .collect();
        assert!(
            totals.windows(2).all(|w| w[0] >= w[1]),
            "{mode:?}: heaviest first"
        );
        for &place in &places {
            assert_eq!(
                path_to(&data["tree"], place).join(";"),
                expected,
                "{mode:?}"
            );
        }
    }
}

/// A stack gone by the end has no place in a tree of the last snapshot.
#[test]
fn a_stack_gone_by_the_end_has_no_place() {
    let gone = gathering_log(6, |i| {
        let count = if i < 5 { 1 + i as u64 * 3 } else { 0 };
        let mut records = vec![(1, String::new(), vec![("main.main".to_string(), 1)])];
        if count > 0 {
            records.push((count, String::new(), vec![("main.leak".to_string(), 2)]));
        }
        records
    });
    let page = page(&["-q", "--aggregate", "last"], Some(gone));
    assert_eq!(data(&page)["suspects"][0].as_array().unwrap().len(), 0);
    assert!(section(&page).contains("not in the call tree"));
}

#[test]
fn hostile_suspects_are_escaped() {
    let evil = "main.</script><script>alert(1)</script>";
    let img = "main.<img src=x onerror=alert(1)>\"'&amp;";
    let log = gathering_log(5, |i| {
        let frames = vec![(img.to_string(), 1), (evil.to_string(), 2)];
        vec![(1 + 2 * i as u64, String::new(), frames)]
    });
    let expected = totals_suspects(&[], Some(log.clone()));
    assert_eq!(expected.len(), 1);
    let page = page(&["-q"], Some(log));
    let found = section(&page);
    assert_eq!(
        page.matches("<script").count(),
        2,
        "the data block and the script"
    );
    assert!(!page.contains("<img"));
    assert!(!found.contains("alert(1)</"));
    assert_eq!(page_suspects(&page)[0][0], expected[0][0]);
    assert!(found.contains(
        "<span class=\"func\">main.<wbr>&lt;img src=x onerror=alert<wbr>(1)&gt;&quot;&#39;&amp;amp;</span>"
    ));
    assert!(found.contains(
        "title=\"main.&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;;main.&lt;img"
    ));
}

/// A dump-based suspect shows its creator and its wait age: 149 of the
/// dump's `chan send` goroutines of `quote` say `1 minutes`.
#[test]
fn dump_suspects_show_creator_and_wait() {
    let dump = page(&["-q", &path("go1.27/shop/prof-debug2.log")], None);
    assert!(
        dump.contains(
            "created by <code>main.(*Server).handleOrder.func1</code>; 149 waited a minute or more, the oldest 1 minute<"
        ),
        "{dump}"
    );
}

/// The timeline marks the restart, and its y axis fits a steady total
/// (saying that it does not start at 0).
#[test]
fn the_timeline_marks_restarts_and_fits_the_data() {
    let restart = page(&["-q", &path("go1.27/shop/prof-restart.log")], None);
    assert!(
        restart.contains("<line class=\"restart\""),
        "a dashed line at the restart"
    );
    assert!(restart.contains("restart (snapshot 19)"));
    let shop = page(&["-q", &path("go1.27/shop/prof.log")], None);
    assert!(!shop.contains("<line class=\"restart\""), "no restart");
    assert!(!shop.contains("not 0</text>"), "55 -> 551 starts at 0");
    let steady = page(&["-q", &path("go1.19/batch/prof.log")], None);
    assert!(steady.contains("y axis from 28, not 0"));
}

/// The top stacks' change column colours growth only beyond noise: the
/// steady batch service's stacks that wobble by a goroutine or two stay plain.
#[test]
fn top_stacks_do_not_colour_noise() {
    let steady = page(&["-q", &path("go1.19/batch/prof.log")], None);
    let top = &steady[steady.find("<table class=\"top\">").unwrap()..];
    let top = &top[..top.find("</table>").unwrap()];
    assert!(!top.contains("n grow"), "{top}");
    assert!(!top.contains("n shrink"), "{top}");
}

/// The timeline overlays each suspect's own series, on its own axis, over
/// the total; no suspect, no overlay.
#[test]
fn the_timeline_overlays_each_suspect() {
    let shop = page(&["-q", &path("go1.27/shop/prof.log")], None);
    assert!(shop.contains("<path class=\"overlay overlay-0\" d=\"M"));
    assert!(shop.contains("leak suspect #1 (its own axis"));
    let steady = page(&["-q", &path("go1.19/batch/prof.log")], None);
    assert!(!steady.contains("<path class=\"overlay"));
}
