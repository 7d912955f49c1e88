//! The page: one self-contained HTML document with its CSS and script
//! inline, a Content-Security-Policy that forbids every network load, the
//! sections in [`SECTIONS`] order, and the data for the script in a
//! `<script type="application/json">` block.
//!
//! A section is an id, a title and a function that renders its body, so a
//! new section is one more entry in [`SECTIONS`]. Nothing in the page depends
//! on when it was made: the same input gives the same bytes.

use std::fmt::Write as _;
use std::io;

use serde::Serialize;

use super::escape;
use super::sources::Sources;
use super::summary::Distribution;
use super::suspects::Leaks;
use super::timeline::{self, Tip};
use super::top;
use super::tree::{Columns, MORE};
use crate::analysis::aggregate::TopStack;
use crate::analysis::series::Series;
use crate::assemble::Stats;
use crate::model::Interner;

const CSS: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");
const SUSPECTS_SCRIPT: &str = include_str!("suspects.js");

/// Everything the page shows, gathered in one pass over the input.
pub struct Report<'a> {
    /// The page's title (from the input; escaped when written).
    pub title: &'a str,
    /// The inputs' names, `standard input` for stdin.
    pub inputs: &'a [String],
    /// The assembler's counts of snapshots by status and skipped lines.
    pub stats: &'a Stats,
    /// The frames and stacks.
    pub interner: &'a Interner,
    /// The kind of the profiles reported, if any.
    pub kind: Option<&'a str>,
    /// What the counts count: `goroutines`, `threads`, ...
    pub unit: &'a str,
    /// How counts over snapshots were combined, in words.
    pub aggregate_text: &'a str,
    /// The total per snapshot over time.
    pub series: &'a Series,
    /// The totals' distribution, for the median.
    pub totals: &'a Distribution,
    /// The call tree, as the page holds it.
    pub tree: &'a Columns,
    /// Nodes of the whole call tree (the page may hold fewer).
    pub tree_nodes: usize,
    /// The distinct stacks.
    pub distinct_stacks: usize,
    /// The heaviest stacks.
    pub top: &'a [TopStack],
    /// The leak suspects.
    pub leaks: &'a Leaks,
    /// With several sources: each one's timeline and last counts.
    pub sources: Option<&'a Sources>,
}

/// One section of the page.
pub struct Section {
    /// Its element id, also the link target in the header.
    pub id: &'static str,
    /// Its heading.
    pub title: &'static str,
    /// Writes its body.
    pub render: fn(&Report<'_>, &mut String),
    /// Whether the page has it.
    pub shown: fn(&Report<'_>) -> bool,
}

fn always(_: &Report<'_>) -> bool {
    true
}

fn several_sources(report: &Report<'_>) -> bool {
    report.sources.is_some()
}

/// The sections, in page order.
pub const SECTIONS: &[Section] = &[
    Section {
        id: "summary",
        title: "Summary",
        render: super::summary::render,
        shown: always,
    },
    Section {
        id: "leak-suspects",
        title: "Leak suspects",
        render: super::suspects::render,
        shown: always,
    },
    Section {
        id: "timeline",
        title: "Timeline",
        render: timeline::render,
        shown: always,
    },
    Section {
        id: "sources",
        title: "Sources",
        render: super::sources::render,
        shown: several_sources,
    },
    Section {
        id: "call-tree",
        title: "Call tree",
        render: call_tree,
        shown: always,
    },
    Section {
        id: "flame-graph",
        title: "Flame graph",
        render: flame_graph,
        shown: always,
    },
    Section {
        id: "top-stacks",
        title: "Top stacks",
        render: top::render,
        shown: always,
    },
];

/// The data the page's script reads.
#[derive(Serialize)]
struct Data<'a> {
    unit: &'a str,
    tree: &'a Columns,
    timeline: Vec<Tip>,
    /// Per leak suspect, its nodes in `tree`, heaviest first.
    suspects: &'a [Vec<u32>],
}

/// Writes the whole page to `out`, one section at a time.
pub fn render(report: &Report<'_>, out: &mut impl io::Write) -> io::Result<()> {
    let mut buf = String::with_capacity(64 * 1024);
    buf.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
         style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
    );
    let _ = writeln!(
        buf,
        "<meta name=\"generator\" content=\"pp-html (parseprof {})\">",
        env!("CARGO_PKG_VERSION")
    );
    buf.push_str("<title>");
    escape::text(&mut buf, report.title);
    let _ = write!(buf, "</title>\n<style>\n{CSS}</style>\n</head>\n");
    buf.push_str("<body data-state=\"loading\">\n<header><h1>");
    escape::name(&mut buf, report.title);
    buf.push_str("</h1><nav>");
    for section in SECTIONS.iter().filter(|s| (s.shown)(report)) {
        let _ = write!(buf, "<a href=\"#{}\">{}</a>", section.id, section.title);
    }
    buf.push_str("</nav></header>\n<main>\n");
    for section in SECTIONS.iter().filter(|s| (s.shown)(report)) {
        let _ = writeln!(
            buf,
            "<section id=\"{}\"><h2>{}</h2>",
            section.id, section.title
        );
        (section.render)(report, &mut buf);
        buf.push_str("\n</section>\n");
        out.write_all(buf.as_bytes())?;
        buf.clear();
    }
    let _ = write!(
        buf,
        "</main>\n<footer>Made by pp-html, parseprof {}. No network access: \
         everything is in this file.</footer>\n",
        env!("CARGO_PKG_VERSION")
    );
    out.write_all(buf.as_bytes())?;
    data(report, out)?;
    // One function scope for both script files; page.js's start() runs them.
    write!(
        out,
        "<script>\n(function () {{\n  \"use strict\";\n{SCRIPT}\n{SUSPECTS_SCRIPT}\n  start();\n}})();\n</script>\n</body>\n</html>\n"
    )
}

/// Writes the script's data, streamed through [`escape::ScriptJson`].
fn data(report: &Report<'_>, out: &mut impl io::Write) -> io::Result<()> {
    let data = Data {
        unit: report.unit,
        tree: report.tree,
        timeline: timeline::tips(report),
        suspects: &report.leaks.places,
    };
    out.write_all(b"<script type=\"application/json\" id=\"pp-data\">")?;
    let mut json = escape::ScriptJson::new(&mut *out);
    // serde_json hands an io::Error back as it was (a closed stdout stays one).
    serde_json::to_writer(&mut json, &data).map_err(io::Error::from)?;
    json.finish()?;
    out.write_all(b"</script>\n")
}

fn call_tree(report: &Report<'_>, out: &mut String) {
    let _ = write!(
        out,
        "<p class=\"note\">Root → leaf. Counts are {}: each frame shows the {} that pass \
         through it, those whose stack ends there (self), and the share of all {}. \
         Click a row to open it; small children are folded into “more”.</p>",
        report.aggregate_text,
        escape::to_html(report.unit),
        report.tree.total.first().copied().unwrap_or(0)
    );
    let held = report.tree.flags.iter().filter(|&&f| f != MORE).count();
    if held < report.tree_nodes {
        let _ = write!(
            out,
            "<p class=\"note\">This page holds the {held} heaviest of the {} call-tree nodes; \
             the rest are summed into “[N more]” rows, which the search does not look into.</p>",
            report.tree_nodes
        );
    }
    out.push_str(
        "<div class=\"controls\"><input id=\"tree-search\" type=\"search\" \
         placeholder=\"Search functions and files\" aria-label=\"Search functions and files\">\
         <button id=\"tree-expand\" type=\"button\">Expand all</button>\
         <button id=\"tree-collapse\" type=\"button\">Collapse all</button>\
         <span id=\"tree-status\" class=\"dim\"></span></div>\
         <div class=\"tree-head\"><span>total</span><span>%</span><span>self</span>\
         <span>function · file:line</span></div>\
         <div id=\"tree\" class=\"tree\" role=\"tree\"><noscript>The call tree needs JavaScript.</noscript></div>",
    );
}

fn flame_graph(_: &Report<'_>, out: &mut String) {
    out.push_str(
        "<div class=\"controls\"><button id=\"flame-reset\" type=\"button\">Reset zoom</button>\
         <span id=\"flame-info\" class=\"info\">Root at the top. Click a frame to zoom in, \
         hover for its counts; a grey “deeper ▸” cell stands for a thin column's deeper frames.</span></div>\
         <div id=\"flame\" class=\"flame\"><noscript>The flame graph needs JavaScript.</noscript></div>",
    );
}
