//! `pp-totals` over several sources: each source's rows (or keys, or
//! suspects) with a `source` column first, per-source indexes and elapsed
//! times, the sources read in parallel and written in the order given.

use std::io::Write;

use super::{Outcome, TotalsOptions, run};
use crate::assemble::Stats;
use crate::error::Error;
use crate::fleet::{self, Spill};
use crate::input::Source;

/// Runs `pp-totals` on each source as on its own, `jobs` at a time, and
/// writes their CSVs as one: the first source's header with `source`
/// before it, then every source's records with its name before them. A
/// source whose header differs (another kind of profile) has its columns
/// placed by name under the first header. Checks are judged per source;
/// each failure names its source.
pub fn run_sources(
    options: &TotalsOptions,
    sources: &[(String, Vec<Source>)],
    jobs: usize,
    out: &mut impl Write,
) -> Result<Outcome, Error> {
    let mut stats = Stats::default();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let mut cannot_judge = Vec::new();
    let mut csv = csv::Writer::from_writer(out);
    let mut header: Option<csv::StringRecord> = None;
    fleet::run_in_order(
        sources,
        jobs,
        |(name, files)| {
            let mut spill = Spill::default();
            let outcome = run(options, files, &mut spill);
            (name.clone(), outcome, spill)
        },
        |(name, outcome, spill)| {
            let outcome = outcome?;
            stats.merge(&outcome.stats);
            failures.extend(outcome.failures.iter().map(|f| format!("{name}: {f}")));
            cannot_judge.extend(outcome.cannot_judge.iter().map(|c| format!("{name}: {c}")));
            let mut records = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(spill.into_reader()?);
            let mut rows = records.records();
            let Some(own) = rows.next().transpose()? else {
                return Ok(());
            };
            let first = match &header {
                Some(first) => first,
                None => {
                    let mut line = csv::StringRecord::from(vec!["source"]);
                    line.extend(own.iter());
                    csv.write_record(&line)?;
                    header.insert(own.clone())
                }
            };
            let lost: Vec<&str> = own
                .iter()
                .filter(|c| !first.iter().any(|f| f == *c))
                .collect();
            if !lost.is_empty() {
                notes.push(format!(
                    "{name}: columns {} left out: the first source's header has none (give --values)",
                    lost.join(", ")
                ));
            }
            let places: Vec<Option<usize>> = first
                .iter()
                .map(|column| own.iter().position(|c| c == column))
                .collect();
            let mut row = csv::StringRecord::new();
            for record in rows {
                let record = record?;
                row.clear();
                row.push_field(&name);
                for place in &places {
                    row.push_field(place.and_then(|p| record.get(p)).unwrap_or(""));
                }
                csv.write_record(&row)?;
            }
            Ok(())
        },
    )?;
    csv.flush()?;
    Ok(Outcome {
        stats,
        failures,
        notes,
        cannot_judge,
    })
}
