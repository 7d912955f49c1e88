//! `pp-html`: one self-contained HTML page from a log of snapshots — a
//! summary, the timeline of totals, the call tree with counts per frame, a
//! flame graph and the top stacks — that opens from `file://` offline.
//!
//! One pass over the input (`collect`) gathers pp-fold's aggregation and
//! bounded per-snapshot and per-stack summaries; the page (`page`) is
//! written at the end, with its CSS and script (`page.css`, `page.js`)
//! embedded at build time and every input-derived string escaped (`escape`).

mod collect;
mod escape;
mod page;
mod sources;
mod summary;
mod suspects;
mod timeline;
mod top;
mod tree;

use std::io::Write;

use crate::analysis::leak::{LeakFinder, LeakTracker};
use crate::analysis::{Aggregate, AggregateOptions};
use crate::assemble::{Detail, Options, Stats};
use crate::error::Error;
use crate::input::Source;
use crate::input::zone::TimeZone;
use crate::model::Status;
use crate::pipeline;

/// What `pp-html` writes.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct HtmlOptions {
    /// How stacks are folded and counted, as in pp-fold.
    pub aggregate: AggregateOptions,
    /// The page's title; `None` names the input.
    pub title: Option<String>,
    /// How many stacks the top stacks table lists. Default is 0 (none).
    pub top: usize,
    /// Stop at the first line not understood. Default is `false`.
    pub strict: bool,
    /// Read times without an offset (or with a zone name) in this zone.
    /// Default is none: such times keep their wall clock only.
    pub tz: Option<TimeZone>,
}

/// Reads `sources` and writes the page to `out` (nothing when no snapshot
/// had a profile); returns what was read.
pub fn run(
    options: &HtmlOptions,
    sources: &[Source],
    out: &mut impl Write,
) -> Result<Stats, Error> {
    run_with(options, sources, None, out)
}

/// Like [`run`], for named sources (one log per pod): they are read in
/// order as one input, and with more than one the page also shows each
/// source's timeline and, in the top stacks, each source's count.
pub fn run_sources(
    options: &HtmlOptions,
    sources: &[(String, Vec<Source>)],
    out: &mut impl Write,
) -> Result<Stats, Error> {
    let files: Vec<Source> = sources
        .iter()
        .flat_map(|(_, f)| f.iter().cloned())
        .collect();
    run_with(options, &files, sources::Sources::new(sources), out)
}

fn run_with(
    options: &HtmlOptions,
    sources: &[Source],
    views: Option<sources::Sources>,
    out: &mut impl Write,
) -> Result<Stats, Error> {
    let mut collector = collect::Collector::new(&options.aggregate);
    if let Some(views) = &views {
        collector.source_finders = (0..views.views.len())
            .map(|_| LeakFinder::new(options.aggregate.labels, true))
            .collect();
    }
    collector.sources = views;
    let parse = Options {
        detail: Detail::Stacks,
        strict: options.strict,
        tz: options.tz.clone(),
        ..Options::default()
    };
    let mut assembler = pipeline::run(sources, parse, &mut collector)?;
    collector.aggregation.check_kind()?;
    // The page needs the interned stacks and the aggregation's results only.
    assembler.release_caches();
    collector.aggregation.release_lookup();
    let stats = assembler.stats();
    if stats.count(Status::Complete) + stats.count(Status::Partial) == 0 {
        return Ok(stats.clone());
    }
    let inputs: Vec<String> = sources
        .iter()
        .map(|s| match s {
            Source::Stdin => "standard input".to_string(),
            Source::File(_) => s.name(),
        })
        .collect();
    render(options, &inputs, &mut collector, &assembler, out)?;
    Ok(stats.clone())
}

/// Builds the call tree and the top stacks, and writes the page.
fn render(
    options: &HtmlOptions,
    inputs: &[String],
    collector: &mut collect::Collector,
    assembler: &crate::assemble::Assembler,
    out: &mut impl Write,
) -> Result<(), Error> {
    let interner = assembler.interner();
    // The suspects first: the tracker's per-stack state is gone before the
    // stacks and the tree are built.
    let tracker = std::mem::replace(&mut collector.leaks, LeakTracker::new(false));
    let finder = collector.leak_finder.take();
    let per_source = std::mem::take(&mut collector.source_finders);
    let judged = if per_source.is_empty() {
        judge_leaks(tracker, finder, collector.aggregation.names())
    } else {
        judge_per_source(per_source, collector)
    };
    let collector = &*collector;
    let aggregation = &collector.aggregation;
    // The stacks and the tree are dropped before the page is written.
    let (columns, tree_nodes, leaks) = {
        let stacks = aggregation.stacks();
        let tree = tree::Tree::build(&stacks, aggregation.names(), interner);
        let columns = tree.columns(tree::NODE_BUDGET);
        let places = suspects::Places {
            stacks: &stacks,
            columns: &columns,
        };
        let leaks = place_leaks(judged, collector, &places);
        (columns, tree.len(), leaks)
    };
    let top = aggregation.top(options.top);
    let kind = aggregation.kind();
    let title = options
        .title
        .clone()
        .unwrap_or_else(|| format!("{} · {} profiles", inputs.join(", "), kind.unwrap_or("no")));
    let aggregate_text = aggregate_text(options.aggregate.aggregate, aggregation.snapshots());
    let report = page::Report {
        title: &title,
        inputs,
        stats: assembler.stats(),
        interner,
        kind,
        unit: collector.unit.as_deref().unwrap_or("samples"),
        aggregate_text: &aggregate_text,
        series: &collector.series,
        totals: &collector.totals,
        tree: &columns,
        tree_nodes,
        distinct_stacks: aggregation.len(),
        top: &top,
        leaks: &leaks,
        sources: collector.sources.as_ref(),
    };
    page::render(&report, out)?;
    Ok(())
}

/// The leak suspects, before their places are known, with the names their
/// stacks were told apart by (`None`: the page's).
struct Judged {
    suspects: Vec<crate::analysis::leak::Suspect>,
    names: Option<crate::analysis::StackNamer>,
    snapshots: u64,
    points: usize,
    cannot_judge: Option<String>,
    restarts: Vec<u64>,
    /// With several sources: each one's suspects and names (then the
    /// fields above are the sum over them, `suspects` empty).
    per_source: Vec<(
        String,
        Vec<crate::analysis::leak::Suspect>,
        crate::analysis::StackNamer,
    )>,
}

/// The suspects of each source's finder.
fn judge_per_source(finders: Vec<LeakFinder>, collector: &collect::Collector) -> Judged {
    let names: Vec<String> = (collector.sources.iter())
        .flat_map(|s| s.views.iter().map(|v| v.name.clone()))
        .collect();
    let mut judged = Judged {
        suspects: Vec::new(),
        names: None,
        snapshots: 0,
        points: 0,
        cannot_judge: None,
        restarts: Vec::new(),
        per_source: Vec::new(),
    };
    let mut reasons = Vec::new();
    for (finder, name) in finders.into_iter().zip(names) {
        let t = finder.tracker();
        judged.snapshots += t.snapshots();
        judged.points = judged.points.max(t.sparkline_points());
        if let Some(why) = t.cannot_judge() {
            reasons.push(format!("{name}: {why}"));
        }
        let (suspects, namer) = finder.suspects_and_names();
        judged.per_source.push((name, suspects, namer));
    }
    // Growth cannot be judged only when no source could.
    if reasons.len() == judged.per_source.len() {
        judged.cannot_judge = Some(reasons.join("; "));
    }
    judged
}

/// The suspects of the tracker that shares the page's names, or of the
/// finder with names of its own.
fn judge_leaks(
    tracker: LeakTracker,
    finder: Option<LeakFinder>,
    page_names: &crate::analysis::StackNamer,
) -> Judged {
    match finder {
        Some(finder) => {
            let t = finder.tracker();
            let (snapshots, points, cannot_judge) =
                (t.snapshots(), t.sparkline_points(), t.cannot_judge());
            let restarts = t.restarts().to_vec();
            let (suspects, names) = finder.suspects_and_names();
            Judged {
                suspects,
                names: Some(names),
                snapshots,
                points,
                cannot_judge,
                restarts,
                per_source: Vec::new(),
            }
        }
        None => {
            let (snapshots, points) = (tracker.snapshots(), tracker.sparkline_points());
            let cannot_judge = tracker.cannot_judge();
            let restarts = tracker.restarts().to_vec();
            let suspects =
                tracker.suspects(|k| (page_names.text(k), page_names.representative(k).0));
            Judged {
                suspects,
                names: None,
                snapshots,
                points,
                cannot_judge,
                restarts,
                per_source: Vec::new(),
            }
        }
    }
}

/// The suspects with their places in the call tree.
fn place_leaks(
    judged: Judged,
    collector: &collect::Collector,
    places: &suspects::Places<'_>,
) -> suspects::Leaks {
    let page_names = collector.aggregation.names();
    let leak_names = judged.names.as_ref().unwrap_or(page_names);
    let mut suspects = judged.suspects;
    let mut found = suspects::locate(&suspects, leak_names, page_names, places);
    let mut sources = Vec::new();
    if !judged.per_source.is_empty() {
        // Every source's suspects in one ranking, each with its source.
        let mut all = Vec::new();
        for (name, list, names) in &judged.per_source {
            let located = suspects::locate(list, names, page_names, places);
            for (suspect, place) in list.iter().zip(located) {
                all.push((suspect.clone(), place, name.clone()));
            }
        }
        all.sort_by(|a, b| {
            b.0.score
                .total_cmp(&a.0.score)
                .then_with(|| b.0.leaked.cmp(&a.0.leaked))
                .then_with(|| (&a.2, &a.0.stack).cmp(&(&b.2, &b.0.stack)))
        });
        (suspects, found) = (Vec::new(), Vec::new());
        for (suspect, place, name) in all {
            suspects.push(suspect);
            found.push(place);
            sources.push(name);
        }
    }
    suspects::Leaks {
        suspects,
        sources,
        places: found,
        snapshots: judged.snapshots,
        points: judged.points,
        cannot_judge: judged.cannot_judge,
        restarts: judged.restarts,
        unit: collector.leak_unit.clone().unwrap_or_default(),
    }
}

/// `the sum over all 50 snapshots`, ...
fn aggregate_text(aggregate: Aggregate, snapshots: u64) -> String {
    let s = if snapshots == 1 { "" } else { "s" };
    match aggregate {
        Aggregate::Sum if snapshots == 1 => "those of the one snapshot".to_string(),
        Aggregate::Sum => format!("the sum over all {snapshots} snapshots (--aggregate sum)"),
        Aggregate::Max => {
            format!("the most in any one of {snapshots} snapshot{s} (--aggregate max)")
        }
        Aggregate::Last => {
            format!("those of the last of {snapshots} snapshot{s} (--aggregate last)")
        }
        Aggregate::Mean => format!("the mean over {snapshots} snapshot{s} (--aggregate mean)"),
    }
}
