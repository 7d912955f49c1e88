//! pp-html's page in a real browser. Headless Chromium opens the pages of the
//! gathering-loop fixtures from `file://`, runs their script, and dumps the
//! DOM: the script must have finished (`data-state="ready"`) without an error
//! or a console message, and the leak suspects, tree, timeline and flame graph
//! must be in the DOM; `#suspect=1` must open the suspect's place in the tree. A screenshot of each page goes to the target dir
//! (`target/tmp/browser/*.png`, not committed).
//!
//! Without Chromium the tests say so on stderr and pass, unless
//! `PP_REQUIRE_BROWSER=1` (set by `.ci/run`), where they fail.
//! `PP_CHROMIUM` names another binary.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use common::{MadeRecord, fixture, gathering_log, run, stderr};

/// How long one browser run may take.
const TIMEOUT: Duration = Duration::from_secs(120);

/// The browser, or `None` (after saying so) when the test should be skipped.
fn browser() -> Option<PathBuf> {
    let named = env::var_os("PP_CHROMIUM").map(PathBuf::from);
    let found = named.or_else(|| {
        let path = env::var_os("PATH").unwrap_or_default();
        env::split_paths(&path)
            .flat_map(|dir| ["chromium", "chromium-browser"].map(|n| dir.join(n)))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = env::var("PP_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "PP_REQUIRE_BROWSER=1 but chromium is not installed"
        );
        // Straight to stderr: the test harness would hide a print.
        let _ = writeln!(
            std::io::stderr(),
            "tests/browser.rs: skipped, chromium not found (apt-get install chromium; \
             PP_REQUIRE_BROWSER=1 makes this an error)"
        );
    }
    found
}

/// The work dir of these tests, under the target dir.
fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the page of `args` to `<work dir>/<name>.html`.
fn write_page(name: &str, args: &[&str], stdin: Option<Vec<u8>>) -> PathBuf {
    let output = run("pp-html", args, stdin);
    assert_eq!(output.status.code(), Some(0), "{name}: {}", stderr(&output));
    let file = work_dir().join(format!("{name}.html"));
    fs::write(&file, &output.stdout).unwrap();
    file
}

/// Runs the browser on `url` with `extra` flags; returns stdout and stderr.
fn chromium(browser: &Path, name: &str, url: &str, extra: &[String]) -> (String, String) {
    let profile = work_dir().join(format!("{name}-profile"));
    let _ = fs::remove_dir_all(&profile);
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start chromium");
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut out, &mut text).unwrap();
        text
    });
    let errors = thread::spawn(move || {
        let mut text = String::new();
        let _ = std::io::Read::read_to_string(&mut err, &mut text);
        text
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            panic!("{name}: chromium did not finish in {TIMEOUT:?}");
        }
        thread::sleep(Duration::from_millis(50));
    }
    let _ = fs::remove_dir_all(&profile);
    (reader.join().unwrap(), errors.join().unwrap())
}

/// Opens `page` (with `fragment`), checks that its script ran cleanly and
/// drew every part, and returns the DOM after the script ran.
fn check(browser: &Path, name: &str, page: &Path, fragment: &str) -> String {
    let url = format!("file://{}{fragment}", page.display());
    let (dom, log) = chromium(browser, name, &url, &["--dump-dom".to_string()]);
    // The <wbr>s where names may wrap are no part of the text looked for.
    let dom = dom.replace("<wbr>", "");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{name}: console messages: {console:?}");
    let body = &dom[dom.find("<body").expect("a body")..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert!(!body_tag.contains("data-errors"), "{name}: {body_tag}");
    assert!(
        body_tag.contains("data-state=\"ready\""),
        "{name}: {body_tag}"
    );
    assert!(
        dom.contains("<div class=\"node\" role=\"treeitem\""),
        "{name}: tree rows"
    );
    assert!(dom.contains("<svg id=\"timeline-svg\""), "{name}: timeline");
    assert!(
        dom.contains("<section id=\"leak-suspects\"><h2>Leak suspects</h2>"),
        "{name}: leak suspects"
    );
    let flame = &dom[dom.find("<div id=\"flame\"").unwrap()..];
    let flame = &flame[..flame.find("</section>").unwrap()];
    assert!(
        flame.contains("<svg") && flame.matches("<rect").count() > 3,
        "{name}: flame graph"
    );
    let shot = work_dir().join(format!("{name}.png"));
    let _ = fs::remove_file(&shot);
    let flags = [
        format!("--screenshot={}", shot.display()),
        "--window-size=1400,2000".to_string(),
    ];
    chromium(browser, &format!("{name}-shot"), &url, &flags);
    assert!(
        fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000),
        "{name}: screenshot"
    );
    dom
}

#[test]
fn gathering_logs_render_in_a_browser() {
    let Some(browser) = browser() else { return };
    for (name, log, args) in [
        (
            "go1.27-shop",
            "go1.27/shop/prof.log",
            &["--trim-runtime"][..],
        ),
        ("go1.19-shop", "go1.19/shop/prof.log", &["--labels"][..]),
        ("go1.19-batch", "go1.19/batch/prof.log", &[][..]),
        (
            "go1.27-shop-restart",
            "go1.27/shop/prof-restart.log",
            &[][..],
        ),
    ] {
        let file = fixture(log).to_str().unwrap().to_string();
        let mut all = vec!["-q"];
        all.extend_from_slice(args);
        all.push(&file);
        let page = write_page(name, &all, None);
        let dom = check(&browser, name, &page, "");
        assert!(
            dom.contains("aria-expanded=\"true\""),
            "{name}: heavy roots open"
        );
        if name.ends_with("restart") {
            assert!(dom.contains("<rect class=\"mark missing\""), "{name}");
        }
        if name.contains("shop") {
            assert!(dom.contains("<svg class=\"spark\""), "{name}: a sparkline");
        } else {
            assert!(dom.contains("No stack grows over these 40 snapshots."));
        }
    }
}

#[test]
fn search_from_the_address_filters_and_highlights() {
    let Some(browser) = browser() else { return };
    let log = fixture("go1.27/shop/prof.log")
        .to_str()
        .unwrap()
        .to_string();
    let page = write_page("search", &["-q", &log], None);
    let dom = check(&browser, "search", &page, "#q=Reserve");
    assert!(dom.contains("<mark>Reserve</mark>"), "the match is marked");
    assert!(
        dom.contains("3 frames match, 307 goroutines (2.0%)"),
        "the status line"
    );
    let tree = &dom[dom.find("<div id=\"tree\"").unwrap()..];
    let tree = &tree[..tree.find("</section>").unwrap()];
    assert!(
        !tree.contains(">main.(*Server).quote<"),
        "other roots are filtered out"
    );
    assert!(
        tree.contains("aria-expanded=\"false\"><div class=\"row hit\">"),
        "a match's subtree is there to open"
    );
    let flame = &dom[dom.find("<div id=\"flame\"").unwrap()..];
    assert!(flame.contains("<g data-id=") && flame.contains(" class=\"match\""));
}

#[test]
fn hostile_names_stay_text_in_the_browser() {
    let Some(browser) = browser() else { return };
    let evil = "</script><script>alert(1)</script>";
    let img = "<img src=x onerror=alert(1)>";
    let log = format!(
        "goroutine profile: total 3\n2 @ 0x1 0x2\n# labels: {{\"h\":\"{}\", \"q\":\"&{img}\"}}\n\
         #\t0x1\tmain.{evil}+0x1\t/src/{img}.go:7\n#\t0x2\tmain.'q'\"&amp;+0x2\t/src/a&b.go:9\n\n\
         1 @ 0x3\n#\t0x3\t{img}+0x1\t/x.go:1\n\n",
        evil.replace('"', "\\\"")
    );
    let page = write_page(
        "hostile",
        &["-q", "--labels", "--title", evil],
        Some(log.into_bytes()),
    );
    let dom = check(&browser, "hostile", &page, "#q=img");
    assert!(!dom.contains("<img"), "no element was injected");
    assert_eq!(dom.matches("<script").count(), 2, "no script was injected");
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the name is shown as text"
    );
}

/// A leak deep under a root with 40 heavier children, so that the first view
/// of the tree folds it into "N more".
fn deep_leak_log() -> Vec<u8> {
    let frames = |names: &[&str]| -> Vec<(String, u32)> {
        names.iter().map(|n| (n.to_string(), 1)).collect()
    };
    gathering_log(6, |i| -> Vec<MadeRecord> {
        let mut records: Vec<MadeRecord> = (0..40)
            .map(|k| {
                let worker = format!("main.worker{k}");
                (
                    20,
                    String::new(),
                    frames(&["runtime.gopark", &worker, "main.main"]),
                )
            })
            .collect();
        let leak = [
            "runtime.gopark",
            "main.leak",
            "main.handle",
            "main.serve",
            "main.main",
        ];
        records.push((1 + 3 * i as u64, String::new(), frames(&leak)));
        records.push((
            1,
            String::new(),
            frames(&["main.idle", "main.serve", "main.main"]),
        ));
        records
    })
}

/// `#suspect=1` (what a click on the suspect's link does) opens the path to
/// the deep leak, marks it in the tree and in the flame graph.
#[test]
fn a_suspect_opens_in_the_tree_and_the_flame_graph() {
    let Some(browser) = browser() else { return };
    let page = write_page("suspect", &["-q"], Some(deep_leak_log()));
    let tree = |dom: &str| -> String {
        let tree = &dom[dom.find("<div id=\"tree\"").unwrap()..];
        tree[..tree.find("</section>").unwrap()].to_string()
    };
    let plain = check(&browser, "suspect-plain", &page, "");
    assert!(
        !tree(&plain).contains(">main.serve<"),
        "folded away at first"
    );
    for (name, fragment) in [
        ("suspect", "#suspect=1"),
        ("suspect-flame", "#suspect=1&in=flame"),
    ] {
        let dom = check(&browser, name, &page, fragment);
        let tree = tree(&dom);
        assert_eq!(
            tree.matches("<div class=\"row target\">").count(),
            1,
            "{name}"
        );
        let target = &tree[tree.find("<div class=\"row target\">").unwrap()..];
        let target = &target[..target.find("</div>").unwrap()];
        assert!(target.contains(">runtime.gopark<"), "{name}: {target}");
        for frame in ["main.serve", "main.handle", "main.leak"] {
            let row = "aria-expanded=\"true\"><div class=\"row\">";
            let at = tree.find(&format!(">{frame}<")).expect(frame);
            let before = &tree[..at];
            let open = before.rfind(row).unwrap_or(0);
            assert!(
                before.rfind("<div class=\"node\"") <= Some(open + row.len()),
                "{name}: {frame} is open"
            );
        }
        assert!(
            dom.contains("Leak suspect #1"),
            "{name}: the status says so"
        );
        let flame = &dom[dom.find("<div id=\"flame\"").unwrap()..];
        assert!(
            flame.contains(" class=\"target\""),
            "{name}: marked in the flame graph"
        );
    }
}

/// Measures the page after its script ran and writes the results as JSON
/// into `<pre id="probe">`: the text of every name (title, function, file)
/// that wraps between two characters where no break is allowed (allowed:
/// after a space, `.`, `/` or `-`, before a space or `(`), judged from each
/// character's box; and, with the flame graph scrolled to as its link does,
/// where its picture lies, how many rows it has and how many of them hold a
/// frame at least 12 px wide; then how many rows it has after a click on the
/// "deeper" marker of the deepest cut column.
const PROBE: &str = r##"<script>(function () {
  const out = { width: innerWidth, height: innerHeight, broken: [], names: 0, wraps: 0 };
  for (const d of document.querySelectorAll("details")) d.open = true;
  const allowed = (prev, next) => /[\s.\/-]/.test(prev) || /[\s(]/.test(next);
  const range = document.createRange();
  for (const e of document.querySelectorAll("h1, .func, .loc")) {
    out.names++;
    const walk = document.createTreeWalker(e, NodeFilter.SHOW_TEXT);
    let last = null, prev = "";
    for (let node = walk.nextNode(); node; node = walk.nextNode()) {
      for (let k = 0; k < node.length; k++) {
        const c = node.data[k];
        range.setStart(node, k);
        range.setEnd(node, k + 1);
        const r = range.getBoundingClientRect();
        if (r.height > 0) {
          if (last && r.top > last.top + last.height / 2) {
            out.wraps++;
            if (!allowed(prev, c)) out.broken.push(e.textContent + " @ " + prev + "|" + c);
          }
          last = r;
        }
        prev = c;
      }
    }
  }
  for (const d of document.querySelectorAll("details")) d.open = false;
  document.getElementById("flame-graph").scrollIntoView({ block: "start" });
  const rows = () => {
    const svg = document.querySelector("#flame svg");
    return Math.round(svg.getBoundingClientRect().height / 18);
  };
  const svg = document.querySelector("#flame svg").getBoundingClientRect();
  let wide = 0;
  for (const rect of document.querySelectorAll("#flame g:not(.deeper) > rect")) {
    if (Number(rect.getAttribute("width")) >= 12) wide = Math.max(wide, Number(rect.getAttribute("y")) / 18 + 1);
  }
  out.flame = { header: document.querySelector("header").getBoundingClientRect().bottom,
    top: svg.top, bottom: svg.bottom, rows: rows(), wide: wide, markers: document.querySelectorAll("#flame g.deeper").length };
  const markers = Array.from(document.querySelectorAll("#flame g.deeper"));
  markers.sort((a, b) => Number(b.dataset.deeper) - Number(a.dataset.deeper));
  if (markers.length) {
    out.flame.levels = Number(markers[0].dataset.deeper);
    markers[0].querySelector("rect").dispatchEvent(new MouseEvent("click", { bubbles: true }));
    out.flame.clicked = rows();
  }
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.textContent = JSON.stringify(out);
  document.body.append(pre);
})();</script>"##;

/// Opens `page` with [`PROBE`] added, `width` px wide and 900 px high, and
/// returns what it measured.
fn probe(browser: &Path, name: &str, page: &Path, width: u32) -> serde_json::Value {
    let html = fs::read_to_string(page).unwrap();
    let at = html.rfind("</body>").expect("a body");
    let probed = work_dir().join(format!("{name}.html"));
    fs::write(&probed, format!("{}{PROBE}{}", &html[..at], &html[at..])).unwrap();
    let url = format!("file://{}", probed.display());
    let flags = [
        "--dump-dom".to_string(),
        format!("--window-size={width},900"),
    ];
    let (dom, log) = chromium(browser, name, &url, &flags);
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "{name}: console messages: {console:?}");
    let body = &dom[dom.find("<body").expect("a body")..];
    let body_tag = &body[..body.find('>').unwrap()];
    assert!(
        body_tag.contains("data-state=\"ready\""),
        "{name}: {body_tag}"
    );
    let start = "<pre id=\"probe\">";
    let json = &dom[dom.find(start).expect("the probe ran") + start.len()..];
    let json = &json[..json.find("</pre>").unwrap()];
    let json = json
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"");
    serde_json::from_str(&json.replace("&amp;", "&")).expect("the probe's JSON")
}

/// At 700 and 1400 px wide, on the shop log (a 150-deep recursion cut to a
/// 125-frame `[truncated]` stack of 50 goroutines out of 15,132): names wrap
/// only at `.`, `/` and `(`, never inside a word; the flame graph is as deep
/// as its frames at least 12 px wide (plus one row of "deeper" markers), lies
/// below the sticky header and ends within the first screen; a click on the
/// deepest marker zooms into its column, all of it.
#[test]
fn names_wrap_between_words_and_the_flame_graph_fits() {
    let Some(browser) = browser() else { return };
    let log = fixture("go1.27/shop/prof.log")
        .to_str()
        .unwrap()
        .to_string();
    let page = write_page("fit", &["-q", &log], None);
    for width in [700, 1400] {
        let name = format!("fit-{width}");
        let found = probe(&browser, &name, &page, width);
        assert_eq!(found["width"], width, "{name}: the window's width: {found}");
        assert!(found["names"].as_u64() > Some(100), "{name}: {found}");
        if width == 700 {
            assert!(
                found["wraps"].as_u64() > Some(5),
                "{name}: names wrap: {found}"
            );
        }
        assert_eq!(
            found["broken"],
            serde_json::json!([]),
            "{name}: broken inside a word"
        );
        let flame = &found["flame"];
        let at = |key: &str| {
            flame[key]
                .as_f64()
                .unwrap_or_else(|| panic!("{key}: {flame}"))
        };
        assert!(
            at("top") >= at("header") - 0.5,
            "{name}: below the header: {flame}"
        );
        let screen = found["height"].as_f64().unwrap();
        assert!(
            at("bottom") <= screen,
            "{name}: on the first screen: {flame}"
        );
        assert!(
            at("rows") >= 3.0 && at("rows") <= at("wide") + 1.0,
            "{name}: {flame}"
        );
        assert!(at("markers") >= 1.0, "{name}: a deeper marker: {flame}");
        assert!(
            at("levels") >= 100.0,
            "{name}: the truncated stack is cut: {flame}"
        );
        assert!(
            at("clicked") > at("levels"),
            "{name}: the click shows it all: {flame}"
        );
    }
}
