//! `pp-fold`: folded stacks (`root;...;leaf COUNT`) for flamegraph.pl,
//! inferno and speedscope, from a log of snapshots or a single profile.
//!
//! Lines are sorted bytewise, so the output is deterministic and diffable.
//! With `--diff` each line carries two counts (`stack before after`), the
//! differential format those tools draw in red and blue: the means per
//! snapshot of the first and the last window of complete snapshots
//! ([`Aggregation::windows`]), or `--base` against the input. The aggregation
//! itself is [`crate::analysis::Aggregation`]; this module writes its lines.

mod sources;
mod speedscope;

use std::io::Write;

use crate::analysis::{AggregateOptions, Aggregation, Folded};
use crate::assemble::{Assembler, Detail, Options, Stats};
use crate::error::Error;
use crate::input::Source;
use crate::input::zone::TimeZone;
use crate::pipeline;
pub use sources::run_sources;
pub use speedscope::{SnapshotProfiles, SpeedscopeFile, unit_of};

/// What `pp-fold` writes.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FoldOptions {
    /// How stacks are folded and counted.
    pub aggregate: AggregateOptions,
    /// Write `stack before after` lines. Default is `false`.
    pub diff: bool,
    /// With `diff`: the "before" input, folded like the input, instead of its
    /// first snapshot. Default is none.
    pub base: Option<Vec<Source>>,
    /// Write speedscope's JSON file format, one profile per snapshot,
    /// instead of folded lines. Default is `false`.
    pub speedscope: bool,
    /// Leave out lines whose count is below this. Default is 0 (as 1: every line).
    pub min_count: u64,
    /// Stop at the first line not understood. Default is `false`.
    pub strict: bool,
    /// Read times without an offset (or with a zone name) in this zone.
    /// Default is none: such times keep their wall clock only.
    pub tz: Option<TimeZone>,
}

/// Folds `sources` into `out` as `options` say; returns what was read.
pub fn run(
    options: &FoldOptions,
    sources: &[Source],
    out: &mut impl Write,
) -> Result<Stats, Error> {
    if options.speedscope {
        let mut profiles = SnapshotProfiles::new(out, &options.aggregate)?;
        let parse = Options {
            detail: Detail::Stacks,
            strict: options.strict,
            tz: options.tz.clone(),
            ..Options::default()
        };
        let assembler = pipeline::run(sources, parse, &mut profiles)?;
        let names: Vec<String> = sources.iter().map(Source::name).collect();
        profiles.into_inner(&names.join(", "))?;
        return Ok(assembler.stats().clone());
    }
    let mut aggregate = options.aggregate.clone();
    aggregate.diff = options.diff && options.base.is_none();
    let base = match &options.base {
        Some(base) => Some(fold_sources(base, &aggregate, options)?.0.folded()),
        None => None,
    };
    let (aggregation, assembler) = fold_sources(sources, &aggregate, options)?;
    match (options.diff, base) {
        (false, _) => write_lines(out, &aggregation, options.min_count)?,
        (true, Some(before)) => write_diff(out, &before, &aggregation.folded(), options.min_count)?,
        (true, None) => {
            let (first, last, _) = aggregation.windows();
            write_diff(out, &first, &last, options.min_count)?;
        }
    }
    Ok(assembler.stats().clone())
}

/// Folds `sources`; returns the folder and the assembler, which holds the
/// interned frames and the parse statistics.
pub fn fold_sources(
    sources: &[Source],
    aggregate: &AggregateOptions,
    options: &FoldOptions,
) -> Result<(Aggregation, Assembler), Error> {
    let mut folder = Aggregation::new(aggregate.clone());
    let parse = Options {
        detail: Detail::Stacks,
        strict: options.strict,
        tz: options.tz.clone(),
        ..Options::default()
    };
    let assembler = pipeline::run(sources, parse, &mut folder)?;
    folder.check_kind()?;
    Ok((folder, assembler))
}

/// Writes `stack count` lines, leaving out counts below `min_count`.
pub fn write_folded(out: &mut impl Write, lines: &Folded, min_count: u64) -> Result<(), Error> {
    for (stack, &count) in lines.iter().filter(|(_, c)| **c >= min_count.max(1)) {
        writeln!(out, "{stack} {count}")?;
    }
    Ok(())
}

/// Writes `aggregation`'s `stack count` lines, leaving out counts below
/// `min_count`, rendering each line's text as it is written.
pub fn write_lines(
    out: &mut impl Write,
    aggregation: &Aggregation,
    min_count: u64,
) -> Result<(), Error> {
    let mut text = String::new();
    for line in aggregation.lines() {
        if line.value >= min_count.max(1) {
            text.clear();
            aggregation.line_text(&line, &mut text);
            writeln!(out, "{text} {}", line.value)?;
        }
    }
    Ok(())
}

/// Writes `stack before after` lines for every stack in either side.
pub fn write_diff(
    out: &mut impl Write,
    before: &Folded,
    after: &Folded,
    min_count: u64,
) -> Result<(), Error> {
    let mut stacks: Vec<&String> = before.keys().chain(after.keys()).collect();
    stacks.sort_unstable();
    stacks.dedup();
    for stack in stacks {
        let (b, a) = (
            before.get(stack).copied().unwrap_or(0),
            after.get(stack).copied().unwrap_or(0),
        );
        if b.max(a) >= min_count.max(1) {
            writeln!(out, "{stack} {b} {a}")?;
        }
    }
    Ok(())
}
