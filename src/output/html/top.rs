//! The top stacks section: the heaviest stacks by the report's aggregate,
//! each with its count in the first and the last snapshot and at its peak,
//! so that a stack that only grows stands out.

use std::fmt::Write as _;

use super::escape;
use super::page::Report;
use super::sources::Sources;
use crate::analysis::aggregate::TopStack;
use crate::analysis::runtime_leaf_frames;
use crate::model::{FrameId, Interner};

/// Renders the top stacks section.
pub fn render(report: &Report<'_>, out: &mut String) {
    if report.top.is_empty() {
        out.push_str("<p>No stacks.</p>");
        return;
    }
    let _ = write!(
        out,
        "<p class=\"note\">The {} heaviest of {} distinct stacks by {}. \
         <em>first</em> and <em>last</em>: {} in the first and the last snapshot; \
         <em>peak</em>: the most in one snapshot; <em>change</em> is coloured only \
         beyond noise (3·√mean of first and last, at least 2).</p>",
        report.top.len(),
        report.distinct_stacks,
        report.aggregate_text,
        escape::to_html(report.unit),
    );
    out.push_str(
        "<table class=\"top\"><thead><tr><th>#</th><th>count</th><th>first</th><th>last</th>\
         <th>peak</th><th>change</th>",
    );
    if report.sources.is_some() {
        out.push_str("<th title=\"its count in each source's last snapshot\">by source</th>");
    }
    out.push_str("<th>stack (leaf first)</th></tr></thead><tbody>");
    for (rank, top) in report.top.iter().enumerate() {
        row(out, rank + 1, top, report);
    }
    out.push_str("</tbody></table>");
}

/// Each source's count of `top` in its last snapshot, largest first; the
/// sources without it are left out.
fn by_source(out: &mut String, top: &TopStack, sources: &Sources) {
    let mut counts: Vec<(&str, u64)> = sources
        .last_counts(top.text)
        .filter(|(_, n)| *n > 0)
        .collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    out.push_str("<td class=\"by-source\">");
    for (i, (name, count)) in counts.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        out.push_str("<span class=\"source\">");
        escape::name(out, name);
        let _ = write!(out, "</span> {count}");
    }
    out.push_str("</td>");
}

/// The least change that is more than noise: 3·√mean of the two counts (the
/// spread of Poisson counts of that mean), and at least 2. A smaller change
/// is not coloured as growth or shrinkage.
fn noise(first: u64, last: u64) -> f64 {
    let mean = (first + last) as f64 / 2.0;
    (3.0 * mean.sqrt()).max(2.0)
}

fn row(out: &mut String, rank: usize, top: &TopStack, report: &Report<'_>) {
    let stat = &top.stat;
    let change = i128::from(top.last) - i128::from(stat.first);
    let noise = noise(stat.first, top.last);
    let class = match change {
        c if (c.unsigned_abs() as f64) < noise => "same",
        c if c > 0 => "grow",
        _ => "shrink",
    };
    let _ = write!(
        out,
        "<tr><td>{rank}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\" title=\"",
        top.value, stat.first, top.last
    );
    let _ = write!(out, "snapshot {}", stat.peak_index);
    if let Some(time) = stat.peak_time {
        let _ = write!(out, " at {time}");
    }
    let _ = write!(
        out,
        "\">{}</td><td class=\"n {class}\" title=\"noise: ±{noise:.0}\">{change:+}</td>",
        stat.peak
    );
    if let Some(sources) = report.sources {
        by_source(out, top, sources);
    }
    out.push_str("<td>");
    stack(out, top, report.interner);
    out.push_str("</td></tr>");
}

fn stack(out: &mut String, top: &TopStack, interner: &Interner) {
    if top.state != 0 {
        out.push_str("<span class=\"tag\">[");
        escape::text(out, interner.state_name(top.state));
        out.push_str("]</span>");
    }
    for (key, value) in &top.labels {
        out.push_str("<span class=\"tag\">");
        escape::text(out, &format!("{key}={value}"));
        out.push_str("</span>");
    }
    if top.truncated {
        out.push_str("<span class=\"tag\">[truncated]</span>");
    }
    let frames = &interner.frames_of(top.stack)[top.trimmed..];
    frame_list(out, frames, interner, "");
}

/// A stack's frames (leaf first) as an expandable list headed by the leaf's
/// function, or the first frame above the parked runtime frames when there
/// are some; `title` (escaped here) is the heading's hover text, if any.
pub fn frame_list(out: &mut String, frames: &[FrameId], interner: &Interner, title: &str) {
    let Some(&first) = frames.first() else {
        out.push_str("<span class=\"func\">[no frames]</span>");
        return;
    };
    let headline = frames
        .get(runtime_leaf_frames(frames, interner))
        .copied()
        .unwrap_or(first);
    out.push_str("<details><summary");
    if !title.is_empty() {
        out.push_str(" title=\"");
        escape::text(out, title);
        out.push('"');
    }
    out.push_str("><span class=\"func\">");
    escape::name_bytes(out, &interner.get(headline).func);
    let _ = write!(
        out,
        "</span> <span class=\"dim\">{} frame{}</span></summary><ol class=\"frames\">",
        frames.len(),
        if frames.len() == 1 { "" } else { "s" }
    );
    for &id in frames {
        let frame = interner.get(id);
        out.push_str("<li><span class=\"func\">");
        escape::name_bytes(out, &frame.func);
        out.push_str("</span> <span class=\"loc\">");
        if !frame.file.is_empty() {
            escape::name_bytes(out, &frame.file);
            let _ = write!(out, ":{}", frame.line);
        }
        out.push_str("</span></li>");
    }
    out.push_str("</ol></details>");
}
