//! The timeline section: the total per snapshot over time, drawn as an SVG
//! chart from the bounded [`Series`](crate::analysis::series::Series), with axes,
//! `missing`, `partial` and `error` snapshots marked as stripes (a missing
//! value is a gap in the line, never a zero), and per-bucket hover texts for
//! the page's script.
//!
//! The x axis is time when every snapshot has a timestamp and they never go
//! backwards, else the snapshot index. The y axis fits the data: it starts
//! at a round value below the least total (not at 0, when that would leave
//! most of the chart empty), and the axis says so. Restarts (where the leak
//! tracker began a new run) are marked with a dashed line. The first three
//! leak suspects' own series are drawn over the total, each on its own axis
//! (0 to its peak) in its own colour.

use std::fmt::Write as _;

use serde::Serialize;

use super::escape;
use super::page::Report;
use crate::analysis::series::Bucket;
use crate::input::timestamp::Timestamp;

const WIDTH: f64 = 1000.0;
const HEIGHT: f64 = 290.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 984.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 226.0;
/// Up to this many buckets, each one gets a dot.
const DOTS: usize = 150;

/// What the script shows when the pointer is over a bucket.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tip {
    /// The bucket's x in the SVG's coordinates.
    pub x: f64,
    /// Its last value's y, or `None` for a gap.
    pub y: Option<f64>,
    /// The text, one line per element.
    pub text: Vec<String>,
}

/// Where buckets go: x by time or by index, y by value.
struct Scale {
    times: Option<(Timestamp, f64)>,
    first_index: u64,
    span: f64,
    /// The y axis: a tick every `step` from `bottom` up to `top`.
    step: u64,
    bottom: u64,
    top: u64,
}

impl Scale {
    fn new(buckets: &[Bucket]) -> Scale {
        let first = buckets.first().expect("a chart has buckets");
        let last = buckets.last().expect("a chart has buckets");
        let max = buckets
            .iter()
            .filter_map(|b| b.max)
            .max()
            .unwrap_or(0)
            .max(1);
        let min = buckets.iter().filter_map(|b| b.min).min().unwrap_or(0);
        // From 0 unless the data keep to the upper part of that range: then
        // a round value below the least, so that a change is visible.
        let from_zero = min < max / 2;
        let range = if from_zero { max } else { (max - min).max(1) };
        let step = (nice_step(range as f64 / 4.0) as u64).max(1);
        let bottom = if from_zero { 0 } else { min / step * step };
        let times = time_axis(buckets).map(|t0| {
            let end = last.last_time.expect("time axis has times");
            (t0, end.seconds_since(&t0))
        });
        let span = match times {
            Some((_, seconds)) => seconds,
            None => (last.last_index - first.first_index) as f64,
        };
        Scale {
            times,
            first_index: first.first_index,
            span,
            step,
            bottom,
            top: max.div_ceil(step).max(bottom / step + 1) * step,
        }
    }

    fn x_at(&self, offset: f64) -> f64 {
        if self.span <= 0.0 {
            return (LEFT + RIGHT) / 2.0;
        }
        LEFT + offset / self.span * (RIGHT - LEFT)
    }

    /// The x range a bucket covers.
    fn x(&self, b: &Bucket) -> (f64, f64) {
        match (self.times, b.first_time, b.last_time) {
            (Some((t0, _)), Some(first), Some(last)) => (
                self.x_at(first.seconds_since(&t0)),
                self.x_at(last.seconds_since(&t0)),
            ),
            _ => (
                self.x_at((b.first_index - self.first_index) as f64),
                self.x_at((b.last_index - self.first_index) as f64),
            ),
        }
    }

    fn y(&self, value: u64) -> f64 {
        let span = (self.top - self.bottom).max(1) as f64;
        BOTTOM - value.saturating_sub(self.bottom) as f64 / span * (BOTTOM - TOP)
    }
}

/// The first time, when every bucket has times that never go backwards.
fn time_axis(buckets: &[Bucket]) -> Option<Timestamp> {
    let mut previous: Option<Timestamp> = None;
    for b in buckets {
        let (first, last) = (b.first_time?, b.last_time?);
        if previous.is_some_and(|p| first.cmp_instant(&p).is_lt())
            || last.cmp_instant(&first).is_lt()
        {
            return None;
        }
        previous = Some(last);
    }
    buckets.first()?.first_time
}

/// Renders the timeline section.
pub fn render(report: &Report<'_>, out: &mut String) {
    let buckets = report.series.buckets();
    if buckets.is_empty() {
        out.push_str("<p>No snapshots.</p>");
        return;
    }
    let scale = Scale::new(buckets);
    let _ = write!(
        out,
        "<div class=\"chart\"><svg id=\"timeline-svg\" class=\"timeline\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         role=\"img\" aria-label=\"total {} per snapshot over time\">",
        report.unit
    );
    y_axis(&scale, out);
    marks(buckets, &scale, out);
    restarts(buckets, &report.leaks.restarts, &scale, out);
    lines(buckets, &scale, out);
    overlays(buckets, report, &scale, out);
    x_axis(buckets, &scale, out);
    let _ = write!(
        out,
        "<line id=\"timeline-guide\" class=\"guide\" x1=\"0\" x2=\"0\" y1=\"{TOP}\" y2=\"{BOTTOM}\"/>\
         <rect id=\"timeline-hit\" class=\"hit\" x=\"{LEFT}\" y=\"{TOP}\" width=\"{}\" height=\"{}\"/>",
        RIGHT - LEFT,
        BOTTOM - TOP
    );
    out.push_str("</svg><div id=\"timeline-tip\" class=\"tip\" hidden></div></div>");
    legend(report, out);
}

fn y_axis(scale: &Scale, out: &mut String) {
    out.push_str("<g class=\"grid\">");
    for i in 0..=(scale.top - scale.bottom) / scale.step {
        let value = scale.bottom + scale.step * i;
        let y = scale.y(value);
        let _ = write!(
            out,
            "<line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{y:.1}\" y2=\"{y:.1}\"/>\
             <text class=\"ylabel\" x=\"{:.1}\" y=\"{:.1}\">{value}</text>",
            LEFT - 6.0,
            y + 4.0
        );
    }
    out.push_str("</g>");
    if scale.bottom > 0 {
        let _ = write!(
            out,
            "<text class=\"ylabel axis-note\" x=\"{LEFT}\" y=\"{:.1}\" text-anchor=\"start\">\
             y axis from {}, not 0</text>",
            BOTTOM + 28.0,
            scale.bottom
        );
    }
}

/// Most suspects whose own series is drawn over the total.
const OVERLAYS: usize = 3;

/// Each of the first [`OVERLAYS`] suspects' own series (its bucket means
/// over its run) over the total, on an axis of its own (0 to its peak, the
/// peak written at the line's end) in a colour of its own: a leak hidden in
/// a noisy total shows as a line that rises.
fn overlays(buckets: &[Bucket], report: &Report<'_>, scale: &Scale, out: &mut String) {
    let last = buckets.last().map_or(0, |b| b.last_index);
    out.push_str("<g class=\"overlays\">");
    for (i, suspect) in report.leaks.suspects.iter().take(OVERLAYS).enumerate() {
        let line = &suspect.sparkline;
        let Some(&peak) = line.iter().max().filter(|&&p| p > 0 && line.len() > 1) else {
            continue;
        };
        let Some(start) = buckets.iter().find(|b| b.last_index >= suspect.since_index) else {
            continue;
        };
        let end = buckets.iter().rev().find(|b| b.last_index <= last);
        let (x0, x1) = (scale.x(start).0, end.map_or(RIGHT, |b| scale.x(b).1));
        let step = (x1 - x0) / (line.len() - 1) as f64;
        let mut d = String::new();
        for (k, &v) in line.iter().enumerate() {
            let y = BOTTOM - v as f64 / peak as f64 * (BOTTOM - TOP);
            let _ = write!(
                d,
                "{}{:.1},{y:.1}",
                if k == 0 { "M" } else { "L" },
                x0 + step * k as f64
            );
        }
        let _ = write!(
            out,
            "<path class=\"overlay overlay-{i}\" d=\"{d}\"/>\
             <text class=\"overlay-label overlay-{i}\" x=\"{:.1}\" y=\"{:.1}\">#{} {peak}</text>",
            x1 - 4.0,
            TOP + 10.0 + 12.0 * i as f64,
            i + 1
        );
    }
    out.push_str("</g>");
}

/// A dashed line where each restart's run began.
fn restarts(buckets: &[Bucket], restarts: &[u64], scale: &Scale, out: &mut String) {
    if restarts.is_empty() {
        return;
    }
    out.push_str("<g class=\"restarts\">");
    for &index in restarts {
        let Some(b) = buckets
            .iter()
            .find(|b| b.first_index <= index && index <= b.last_index)
        else {
            continue;
        };
        let (a, _) = scale.x(b);
        let _ = write!(
            out,
            "<line class=\"restart\" x1=\"{a:.1}\" x2=\"{a:.1}\" y1=\"{TOP}\" y2=\"{BOTTOM}\"/>\
             <text class=\"restart-label\" x=\"{:.1}\" y=\"{:.1}\">restart (snapshot {index})</text>",
            a + 3.0,
            TOP + 10.0
        );
    }
    out.push_str("</g>");
}

/// Stripes over the buckets that hold `error`, `missing` or `partial` snapshots.
fn marks(buckets: &[Bucket], scale: &Scale, out: &mut String) {
    let least = ((RIGHT - LEFT) / buckets.len() as f64 * 0.8).clamp(2.0, 12.0);
    out.push_str("<g class=\"marks\">");
    for b in buckets {
        let class = if b.error > 0 {
            "error"
        } else if b.missing > 0 {
            "missing"
        } else if b.partial > 0 {
            "partial"
        } else {
            continue;
        };
        let (a, z) = scale.x(b);
        let width = (z - a).max(least);
        let x = (a + z) / 2.0 - width / 2.0;
        let _ = write!(
            out,
            "<rect class=\"mark {class}\" x=\"{x:.1}\" y=\"{TOP}\" width=\"{width:.1}\" height=\"{}\"/>\
             <rect class=\"tick {class}\" x=\"{x:.1}\" y=\"{}\" width=\"{width:.1}\" height=\"6\"/>",
            BOTTOM - TOP,
            BOTTOM + 1.0
        );
    }
    out.push_str("</g>");
}

/// The min–max band, the line through each bucket's last value (broken at
/// gaps), and dots when there are few buckets.
fn lines(buckets: &[Bucket], scale: &Scale, out: &mut String) {
    let (mut line, mut band, mut dots) = (String::new(), String::new(), String::new());
    let mut pen_down = false;
    for b in buckets {
        let (Some(last), Some(min), Some(max)) = (b.last, b.min, b.max) else {
            pen_down = false;
            continue;
        };
        let (a, z) = scale.x(b);
        let x = (a + z) / 2.0;
        let _ = write!(
            line,
            "{}{x:.1},{:.1}",
            if pen_down { "L" } else { "M" },
            scale.y(last)
        );
        pen_down = true;
        if min < max {
            let _ = write!(
                band,
                "M{a:.1},{:.1}H{z:.1}V{:.1}H{a:.1}Z",
                scale.y(max),
                scale.y(min)
            );
        }
        if buckets.len() <= DOTS {
            let class = if b.partial > 0 { "dot partial" } else { "dot" };
            let _ = write!(
                dots,
                "<circle class=\"{class}\" cx=\"{x:.1}\" cy=\"{:.1}\" r=\"2.5\"/>",
                scale.y(last)
            );
        }
    }
    let _ = write!(
        out,
        "<path class=\"band\" d=\"{band}\"/><path class=\"line\" d=\"{line}\"/><g>{dots}</g>"
    );
}

fn x_axis(buckets: &[Bucket], scale: &Scale, out: &mut String) {
    let _ = write!(
        out,
        "<g class=\"axis\"><line x1=\"{LEFT}\" x2=\"{RIGHT}\" y1=\"{BOTTOM}\" y2=\"{BOTTOM}\"/>"
    );
    let title = match scale.times {
        Some((t0, span)) => {
            let step = nice_time_step(span / 6.0);
            let start = (t0.wall as f64 / step).ceil() * step;
            let mut tick = start;
            while tick - (t0.wall as f64) <= span + 1e-9 {
                let x = scale.x_at(tick - t0.wall as f64 - f64::from(t0.nanos) / 1e9);
                x_tick(out, x, &clock(tick as i64, span));
                tick += step;
            }
            format!("time (from {t0})")
        }
        None => {
            let last = buckets.last().map_or(0, |b| b.last_index);
            let step = nice_step(scale.span.max(1.0) / 6.0);
            let mut tick = (scale.first_index as f64 / step).ceil() * step;
            while tick <= last as f64 {
                x_tick(
                    out,
                    scale.x_at(tick - scale.first_index as f64),
                    &format!("{tick}"),
                );
                tick += step;
            }
            "snapshot".to_string()
        }
    };
    let _ = write!(
        out,
        "<text class=\"xtitle\" x=\"{:.1}\" y=\"{}\">",
        (LEFT + RIGHT) / 2.0,
        BOTTOM + 44.0
    );
    escape::text(out, &title);
    out.push_str("</text></g>");
}

fn x_tick(out: &mut String, x: f64, label: &str) {
    let _ = write!(
        out,
        "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{BOTTOM}\" y2=\"{}\"/><text class=\"xlabel\" x=\"{x:.1}\" y=\"{}\">",
        BOTTOM + 8.0,
        BOTTOM + 22.0
    );
    escape::text(out, label);
    out.push_str("</text>");
}

fn legend(report: &Report<'_>, out: &mut String) {
    let series = report.series;
    out.push_str("<p class=\"legend\"><span class=\"key line\"></span> total ");
    escape::text(out, report.unit);
    let drawn = report
        .leaks
        .suspects
        .iter()
        .take(OVERLAYS)
        .filter(|s| s.sparkline.len() > 1 && s.sparkline.iter().any(|&v| v > 0))
        .count();
    for i in 0..drawn {
        let _ = write!(
            out,
            " <span class=\"key overlay overlay-{i}\"></span> leak suspect #{} (its own axis, 0 to \
             the peak written at its end)",
            i + 1
        );
    }
    if series.width() > 1 {
        let _ = write!(
            out,
            " (each point sums up {} snapshots: the line is their last total, the band their range)",
            series.width()
        );
    }
    let all = series
        .overall()
        .unwrap_or_else(|| unreachable!("rendered with buckets"));
    for (class, n) in [
        ("partial", all.partial),
        ("missing", all.missing),
        ("error", all.error),
    ] {
        let _ = write!(out, " <span class=\"key {class}\"></span> {class} ({n})");
    }
    out.push_str("</p>");
}

/// The hover text of every bucket.
pub fn tips(report: &Report<'_>) -> Vec<Tip> {
    let buckets = report.series.buckets();
    if buckets.is_empty() {
        return Vec::new();
    }
    let scale = Scale::new(buckets);
    buckets
        .iter()
        .map(|b| {
            let (a, z) = scale.x(b);
            Tip {
                x: ((a + z) / 2.0 * 10.0).round() / 10.0,
                y: b.last.map(|v| (scale.y(v) * 10.0).round() / 10.0),
                text: tip_text(b, report.unit),
            }
        })
        .collect()
}

fn tip_text(b: &Bucket, unit: &str) -> Vec<String> {
    let mut text = Vec::new();
    if b.points == 1 {
        text.push(format!("snapshot {}", b.first_index));
    } else {
        text.push(format!(
            "snapshots {}–{} ({})",
            b.first_index, b.last_index, b.points
        ));
    }
    match (b.first_time, b.last_time) {
        (Some(a), Some(z)) if a == z => text.push(a.to_string()),
        (Some(a), Some(z)) => text.push(format!("{a} → {z}")),
        _ => {}
    }
    match (b.min, b.max, b.last) {
        (Some(min), Some(max), Some(last)) if min == max => text.push(format!("{last} {unit}")),
        (Some(min), Some(max), Some(last)) => text.push(format!("{min}–{max} {unit}, last {last}")),
        _ => text.push("no profile".to_string()),
    }
    let complete = b.points - b.partial - b.missing - b.error;
    let statuses: Vec<String> = [
        ("complete", complete),
        ("partial", b.partial),
        ("missing", b.missing),
        ("error", b.error),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(name, n)| {
        if b.points == 1 {
            name.to_string()
        } else {
            format!("{n} {name}")
        }
    })
    .collect();
    text.push(statuses.join(", "));
    text
}

/// 1, 2 or 5 times a power of ten, at least `raw`.
fn nice_step(raw: f64) -> f64 {
    let power = 10f64.powf(raw.max(1.0).log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&s| s >= raw)
        .unwrap_or(10.0 * power)
}

/// A step in seconds that reads well on a clock, at least `raw`.
fn nice_time_step(raw: f64) -> f64 {
    const STEPS: [f64; 16] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0,
        21600.0, 86400.0,
    ];
    STEPS
        .into_iter()
        .find(|&s| s >= raw)
        .unwrap_or_else(|| (raw / 86400.0).ceil() * 86400.0)
}

/// A wall-clock reading as a tick label: `15:13:30`, or with the date over long spans.
fn clock(wall: i64, span: f64) -> String {
    let time = Timestamp {
        wall,
        nanos: 0,
        zone: crate::input::timestamp::Zone::Unspecified,
    }
    .to_string();
    if span > 86400.0 {
        time[5..16].replace('T', " ")
    } else {
        time[11..19].to_string()
    }
}

/// `45 s`, `4 min 3 s`, `2 h 5 min`, `3 d 4 h`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!(
            "{} s",
            super::summary::number((seconds * 10.0).round() / 10.0)
        ),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        3600..86400 => format!("{} h {} min", s / 3600, s / 60 % 60),
        _ => format!("{} d {} h", s / 86400, s / 3600 % 24),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_durations() {
        assert_eq!(
            [0.3, 1.0, 3.0, 7.0, 12.0, 40.0, 260.0].map(nice_step),
            [1.0, 1.0, 5.0, 10.0, 20.0, 50.0, 500.0]
        );
        assert_eq!(
            [0.5, 7.0, 40.0, 200.0, 5000.0].map(nice_time_step),
            [1.0, 10.0, 60.0, 300.0, 7200.0]
        );
        let cases = [
            (0.0, "0 s"),
            (12.5, "12.5 s"),
            (243.0, "4 min 3 s"),
            (7500.0, "2 h 5 min"),
            (273600.0, "3 d 4 h"),
        ];
        for (seconds, text) in cases {
            assert_eq!(duration(seconds), text);
        }
        assert_eq!(clock(1795772727, 60.0), "09:45:27");
        assert_eq!(clock(1795772727, 100000.0), "11-27 09:45");
    }
}
