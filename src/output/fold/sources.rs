//! `pp-fold --source-root`: each source folded as on its own, in parallel,
//! its name the root frame of each of its lines. Sources are written in the
//! order of `NAME;`, so the lines stay sorted bytewise.

use std::io::{BufRead, BufReader, Write};

use super::{FoldOptions, SpeedscopeFile, run, unit_of};
use crate::analysis::push_safe;
use crate::assemble::Stats;
use crate::error::Error;
use crate::fleet::{self, Spill};
use crate::input::Source;

/// Folds each source, `jobs` at a time, into `out`; see the module documentation.
pub fn run_sources(
    options: &FoldOptions,
    sources: &[(String, Vec<Source>)],
    jobs: usize,
    out: &mut impl Write,
) -> Result<Stats, Error> {
    let mut sorted: Vec<(String, &Vec<Source>)> = sources
        .iter()
        .map(|(name, files)| {
            let mut root = String::new();
            push_safe(name, &mut root);
            root.push(';');
            (root, files)
        })
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut stats = Stats::default();
    if options.speedscope {
        return speedscope_per_source(options, sources, jobs, out);
    }
    fleet::run_in_order(
        &sorted,
        jobs,
        |(root, files)| {
            let mut spill = Spill::default();
            let result = run(options, files, &mut spill);
            (root.clone(), result, spill)
        },
        |(root, result, spill)| {
            stats.merge(&result?);
            let mut lines = BufReader::new(spill.into_reader()?);
            let mut line = Vec::new();
            while lines.read_until(b'\n', &mut line)? > 0 {
                out.write_all(root.as_bytes())?;
                out.write_all(&line)?;
                line.clear();
            }
            Ok(())
        },
    )?;
    Ok(stats)
}

/// `--speedscope --source-root`: one profile per source, in the order given,
/// each the source's folded lines as pp-fold aggregates them.
fn speedscope_per_source(
    options: &FoldOptions,
    sources: &[(String, Vec<Source>)],
    jobs: usize,
    out: &mut impl Write,
) -> Result<Stats, Error> {
    let folded = FoldOptions {
        speedscope: false,
        ..options.clone()
    };
    let unit = unit_of(options.aggregate.value.as_deref().unwrap_or(""));
    let mut file = SpeedscopeFile::new(out)?;
    let mut stats = Stats::default();
    fleet::run_in_order(
        sources,
        jobs,
        |(name, files)| {
            let mut spill = Spill::default();
            let result = run(&folded, files, &mut spill);
            (name.clone(), result, spill)
        },
        |(name, result, spill)| {
            stats.merge(&result?);
            file.folded(&name, unit, BufReader::new(spill.into_reader()?))
        },
    )?;
    let names: Vec<&str> = sources.iter().map(|(name, _)| name.as_str()).collect();
    file.finish(&names.join(", "))?;
    Ok(stats)
}
