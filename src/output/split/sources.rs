//! `pp-split` over several sources: each read as on its own (indexes from 0,
//! `--first`/`--last` per source), in parallel, written in the order given.
//! JSON objects gain `"source"` as their first key; `--dir DIR` writes each
//! source's files under `DIR/SOURCE/`; text is each source's in turn.

use std::io::{BufRead, BufReader, Write};

use super::{Format, SplitOptions, run};
use crate::assemble::Stats;
use crate::error::Error;
use crate::fleet::{self, Spill};
use crate::input::Source;

/// Runs `pp-split` on each source, `jobs` at a time; see the module documentation.
pub fn run_sources(
    options: &SplitOptions,
    sources: &[(String, Vec<Source>)],
    jobs: usize,
    out: &mut impl Write,
) -> Result<Stats, Error> {
    let mut stats = Stats::default();
    fleet::run_in_order(
        sources,
        jobs,
        |(name, files)| {
            let mut options = options.clone();
            if let Format::Dir { dir } = &options.format {
                options.format = Format::Dir {
                    dir: dir.join(name),
                };
            }
            let mut spill = Spill::default();
            let result = run(&options, files, &mut spill);
            (name.clone(), result, spill)
        },
        |(name, result, spill)| {
            stats.merge(&result?);
            if options.format != Format::Json {
                return Ok(spill.copy_to(out)?);
            }
            let key = format!("{{\"source\":{},", serde_json::to_string(&name)?);
            let mut lines = BufReader::new(spill.into_reader()?);
            let mut line = Vec::new();
            loop {
                line.clear();
                if lines.read_until(b'\n', &mut line)? == 0 {
                    return Ok(());
                }
                match line.strip_prefix(b"{") {
                    Some(rest) => {
                        out.write_all(key.as_bytes())?;
                        out.write_all(rest)?;
                    }
                    None => out.write_all(&line)?,
                }
            }
        },
    )?;
    Ok(stats)
}
