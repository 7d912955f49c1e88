//! The leak suspects section: the stacks that grow steadily, ranked exactly
//! as `pp-totals --leaks` ranks them (the same [`LeakTracker`], fed the same
//! snapshots), each with a sparkline of its count over the input and links to
//! its place in the call tree and the flame graph.
//!
//! A suspect is a stack folded by function names alone, whatever the page's
//! options; the call tree may split or shorten it. Its places are the tree
//! nodes where a stack that folds to it ends, as the page folds it: one
//! under each label or state root with `--labels` or `--state`, one per line
//! with `--lines`, the node of its trimmed path with `--trim-runtime`;
//! heaviest first. (A node is a place when some stack of the suspect folds to
//! its path; with `--labels` or `--state` that path may hold only other
//! goroutines under one of the roots.) A stack whose count aggregates to 0
//! (`--aggregate last`, gone by the end) has no place.
//!
//! [`LeakTracker`]: crate::analysis::leak::LeakTracker

use std::collections::HashMap;
use std::fmt::Write as _;

use super::escape;
use super::page::Report;
use super::top::frame_list;
use super::tree::Columns;
use crate::analysis::leak::{Evidence, MIN_SECONDS, MIN_SNAPSHOTS, MIN_Z, Suspect};
use crate::analysis::{StackNamer, Stacks};
use crate::model::Interner;

/// The most places in the tree one suspect links to.
pub const MAX_PLACES: usize = 20;

/// What the section shows.
pub struct Leaks {
    /// The suspects, best first.
    pub suspects: Vec<Suspect>,
    /// With several sources: per suspect, its source; else empty.
    pub sources: Vec<String>,
    /// Per suspect, its places in the page's tree (node indexes), heaviest first.
    pub places: Vec<Vec<u32>>,
    /// Profile snapshots the suspects were judged on.
    pub snapshots: u64,
    /// Points of a sparkline that covers every snapshot.
    pub points: usize,
    /// Why growth cannot be judged, when it cannot.
    pub cannot_judge: Option<String>,
    /// Snapshot indexes where the program restarted (a new run began).
    pub restarts: Vec<u64>,
    /// What the counts count.
    pub unit: String,
}

/// The page's call tree, for finding places in it.
pub struct Places<'a> {
    /// The stacks the tree was built from, in that order.
    pub stacks: &'a Stacks,
    /// The page's form of it.
    pub columns: &'a Columns,
}

/// Each suspect's places in the page's tree, as node indexes of its
/// columns. `leak_names` are the names the suspects were told apart by,
/// `names` the page's (the same when the page folds by function names):
/// every stack both folded maps a suspect to the page's text ids that hold
/// it, with no folding and no text compared (see the module documentation).
pub fn locate(
    suspects: &[Suspect],
    leak_names: &StackNamer,
    names: &StackNamer,
    places: &Places<'_>,
) -> Vec<Vec<u32>> {
    if suspects.is_empty() {
        return Vec::new();
    }
    let mut by_text: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, suspect) in suspects.iter().enumerate() {
        if let Some(text) = leak_names.known(suspect.stack_id.index()) {
            by_text.entry(text).or_default().push(i);
        }
    }
    // Which of the page's text ids hold which suspects.
    let mut wanted: HashMap<u32, Vec<usize>> = HashMap::new();
    for (stack, text) in names.known_stacks() {
        let Some(which) = leak_names.known(stack).and_then(|t| by_text.get(&t)) else {
            continue;
        };
        let list = wanted.entry(text).or_default();
        for &w in which {
            if !list.contains(&w) {
                list.push(w);
            }
        }
    }
    let mut found: Vec<HashMap<u32, u64>> = vec![HashMap::new(); suspects.len()];
    for (i, stack) in places.stacks.stacks.iter().enumerate() {
        let Some(which) = wanted.get(&stack.text) else {
            continue;
        };
        let slot = places.columns.stack_slots[i];
        for &s in which {
            *found[s].entry(slot).or_default() += stack.value;
        }
    }
    found.into_iter().map(heaviest_first).collect()
}

/// Places by their summed count, heaviest first, at most [`MAX_PLACES`].
fn heaviest_first(places: HashMap<u32, u64>) -> Vec<u32> {
    let mut places: Vec<(u32, u64)> = places.into_iter().collect();
    places.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    places.truncate(MAX_PLACES);
    places.into_iter().map(|(slot, _)| slot).collect()
}

/// Renders the leak suspects section.
pub fn render(report: &Report<'_>, out: &mut String) {
    let leaks = report.leaks;
    if leaks.suspects.is_empty() {
        match &leaks.cannot_judge {
            Some(why) => {
                out.push_str("<p>Cannot judge leaks: ");
                escape::text(out, why);
                let _ = write!(
                    out,
                    ". It takes at least {MIN_SNAPSHOTS} snapshots over {MIN_SECONDS} s to tell \
                     growth from noise.</p>"
                );
            }
            None => {
                let _ = write!(
                    out,
                    "<p>No stack keeps growing over these {} snapshots, and none was proven leaked.</p>",
                    leaks.snapshots
                );
            }
        }
        return;
    }
    let unit = escape::to_html(&leaks.unit);
    if let Some(why) = &leaks.cannot_judge {
        out.push_str("<p class=\"note\">Growth cannot be judged (");
        escape::text(out, why);
        out.push_str("): only the goroutines the runtime proved leaked are listed.</p>");
    }
    let _ = write!(
        out,
        "<p class=\"note\">Stacks (by function name) whose {unit} keep rising over these {} \
         snapshots, more than their own noise (Mann–Kendall z ≥ {MIN_Z}, still rising over \
         the latter half; in dumps, or the number of their goroutines blocked a minute or \
         more), steepest first: the ranking of <code>pp-totals --leaks</code>; and \
         stacks whose goroutines the runtime proved <strong>leaked</strong> (goroutineleak \
         profiles, <code>(leaked)</code> in dumps). <em>first</em>, <em>last</em> and \
         <em>peak</em> are {unit} in the current run; the line is its mean over each stretch \
         of it. <em>call tree</em> and <em>flame graph</em> open the stack's place in them.</p>",
        leaks.snapshots
    );
    out.push_str(
        "<table class=\"top suspects\"><thead><tr><th>#</th><th>stack (leaf first)</th>\
         <th class=\"n\">first</th><th class=\"n\">last</th><th class=\"n\">peak</th>\
         <th class=\"n\">per minute</th><th class=\"n\">leaked</th><th>over time</th>\
         <th>show</th></tr></thead><tbody>",
    );
    for (i, suspect) in leaks.suspects.iter().enumerate() {
        let places = leaks.places.get(i).map_or(0, Vec::len);
        let source = leaks.sources.get(i).map(String::as_str);
        row(
            out,
            i + 1,
            suspect,
            source,
            places,
            leaks.points,
            report.interner,
        );
    }
    out.push_str("</tbody></table>");
}

/// A dump-based suspect's creator and wait age: who spawns the goroutines,
/// and how long the oldest of them has been blocked.
fn evidence(out: &mut String, suspect: &Suspect, interner: &Interner) {
    if suspect.creator == 0 && suspect.wait_minutes.is_none() {
        return;
    }
    out.push_str("<div class=\"dim evidence\">");
    if suspect.creator != 0 {
        out.push_str("created by <code>");
        escape::text(out, interner.creator_name(suspect.creator));
        out.push_str("</code>");
    }
    if let Some(minutes) = suspect.wait_minutes {
        if suspect.creator != 0 {
            out.push_str("; ");
        }
        let s = if minutes == 1 { "" } else { "s" };
        let _ = write!(
            out,
            "{} waited a minute or more, the oldest {minutes} minute{s}",
            suspect.waited
        );
        if suspect.evidence == Evidence::Wait {
            out.push_str(
                "; <strong>their number rises</strong> (the stack's count alone is too noisy to tell)",
            );
        }
    }
    out.push_str("</div>");
}

fn row(
    out: &mut String,
    rank: usize,
    suspect: &Suspect,
    source: Option<&str>,
    places: usize,
    points: usize,
    interner: &Interner,
) {
    let _ = write!(out, "<tr id=\"suspect-{rank}\" data-stack=\"");
    escape::text(out, &suspect.stack);
    let _ = write!(out, "\"><td>{rank}</td><td class=\"stack\">");
    if let Some(source) = source {
        out.push_str("<span class=\"tag source\" title=\"source\">");
        escape::name(out, source);
        out.push_str("</span> ");
    }
    frame_list(
        out,
        interner.frames_of(suspect.stack_id),
        interner,
        &suspect.stack,
    );
    if suspect.since_index > 0 {
        let _ = write!(
            out,
            "<div class=\"dim\">since snapshot {}, after a restart</div>",
            suspect.since_index
        );
    }
    evidence(out, suspect, interner);
    let leaked = if suspect.leaked > 0 {
        format!("<strong class=\"leaked\">{}</strong>", suspect.leaked)
    } else {
        "0".to_string()
    };
    let _ = write!(
        out,
        "</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n grow\" title=\"Mann–Kendall z {:.2}; rose {} times, fell {} times\">{:+.1}</td>\
         <td class=\"n\">{leaked}</td><td class=\"spark\">",
        suspect.first,
        suspect.last,
        suspect.peak,
        suspect.z,
        suspect.rises,
        suspect.falls,
        suspect.slope_per_minute,
    );
    sparkline(out, &suspect.sparkline, points);
    out.push_str("</td><td class=\"show\">");
    if places == 0 {
        out.push_str(
            "<span class=\"dim\" title=\"Its count on this page is 0 (see --aggregate).\">\
             not in the call tree</span>",
        );
    } else {
        let _ = write!(
            out,
            "<a href=\"#suspect={rank}\" data-suspect=\"{rank}\">call tree</a> \
             <a href=\"#suspect={rank}&amp;in=flame\" data-suspect=\"{rank}\" \
             data-in=\"flame\">flame graph</a>"
        );
        if places > 1 {
            let _ = write!(out, " <span class=\"dim\">({places} places)</span>");
        }
    }
    out.push_str("</td></tr>");
}

const SPARK_WIDTH: f64 = 120.0;
const SPARK_HEIGHT: f64 = 28.0;

/// An inline SVG line of `values` (padded with zeros to `points`).
fn sparkline(out: &mut String, values: &[u64], points: usize) {
    let n = points.max(values.len());
    if n == 0 {
        return;
    }
    let most = values.iter().copied().max().unwrap_or(0);
    let max = most.max(1) as f64;
    let at = |i: usize| {
        let value = values.get(i).copied().unwrap_or(0);
        let x = if n == 1 {
            SPARK_WIDTH / 2.0
        } else {
            1.5 + i as f64 * (SPARK_WIDTH - 3.0) / (n - 1) as f64
        };
        (
            x,
            SPARK_HEIGHT - 2.0 - value as f64 / max * (SPARK_HEIGHT - 4.0),
        )
    };
    let mut line = String::new();
    for i in 0..n {
        let (x, y) = at(i);
        let _ = write!(line, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" });
    }
    let ((x0, _), (x1, y1)) = (at(0), at(n - 1));
    let first = values.first().copied().unwrap_or(0);
    let last = values.get(n - 1).copied().unwrap_or(0);
    let _ = write!(
        out,
        "<svg class=\"spark\" viewBox=\"0 0 {SPARK_WIDTH} {SPARK_HEIGHT}\" width=\"{SPARK_WIDTH}\" \
         height=\"{SPARK_HEIGHT}\" role=\"img\" aria-label=\"from {first} to {last}, at most {most}\">\
         <title>the most in each of {n} stretches of the input: from {first} to {last}, at most {most}</title>\
         <path class=\"spark-area\" d=\"{line} L{x1:.1},{SPARK_HEIGHT} L{x0:.1},{SPARK_HEIGHT} Z\"/>\
         <path class=\"spark-line\" d=\"{line}\"/><circle cx=\"{x1:.1}\" cy=\"{y1:.1}\" r=\"2\"/></svg>"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparklines() {
        let cases: [(&[u64], usize, &str); 3] = [
            (&[1, 2, 4], 3, "M1.5,20.0 L60.0,14.0 L118.5,2.0\""),
            (&[4, 2], 3, "M1.5,2.0 L60.0,14.0 L118.5,26.0\""),
            (&[3], 1, "M60.0,2.0\""),
        ];
        for (values, points, line) in cases {
            let mut out = String::new();
            sparkline(&mut out, values, points);
            assert!(
                out.contains(&format!("<path class=\"spark-line\" d=\"{line}")),
                "{values:?}: {out}"
            );
            assert!(out.starts_with("<svg") && out.ends_with("</svg>"));
        }
        let mut none = String::new();
        sparkline(&mut none, &[], 0);
        assert_eq!(none, "");
    }
}
