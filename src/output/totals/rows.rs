//! The default output: one row per snapshot, with its total and status.

use std::io::Write;

use super::{HEADER, VALUE_COLUMNS};
use crate::assemble::Consumer;
use crate::error::Error;
use crate::input::timestamp::Timestamp;
use crate::model::{Interner, Sample, Snapshot};

/// Writes one CSV row per snapshot to `W`.
pub struct TotalsWriter<W: Write> {
    csv: csv::Writer<W>,
    first_time: Option<Timestamp>,
    /// Whether the header was written.
    header: bool,
    /// Whether an input was opened (nothing is written before).
    opened: bool,
    /// Whether the value columns are written: `--values`, or decided by the
    /// first snapshot.
    values: Option<bool>,
}

impl<W: Write> TotalsWriter<W> {
    /// A writer to `out`; the header is written with the first row (or at
    /// the end, when an input was read but held no snapshot). With `values`
    /// the value columns are always there; without, when the first snapshot
    /// has heap or contention values.
    pub fn new(out: W, values: bool) -> Result<TotalsWriter<W>, Error> {
        let csv = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        Ok(TotalsWriter {
            csv,
            first_time: None,
            header: false,
            opened: false,
            values: values.then_some(true),
        })
    }

    /// Flushes the rows written so far.
    pub fn flush(&mut self) -> Result<(), Error> {
        self.csv.flush()?;
        Ok(())
    }

    /// Writes the header, once.
    fn header(&mut self) -> Result<(), Error> {
        if !self.header {
            self.header = true;
            if self.values == Some(true) {
                self.csv.write_record(HEADER.iter().chain(&VALUE_COLUMNS))?;
            } else {
                self.csv.write_record(HEADER)?;
            }
        }
        Ok(())
    }

    /// Writes the header, if an input was opened and it was not yet written.
    pub fn finish(&mut self) -> Result<(), Error> {
        if self.opened {
            self.values.get_or_insert(false);
            self.header()?;
        }
        self.flush()
    }
}

impl<W: Write> Consumer for TotalsWriter<W> {
    fn begin_source(&mut self, _: &str) -> Result<(), Error> {
        self.opened = true;
        Ok(())
    }

    fn snapshot(&mut self, snap: &Snapshot, _: &Interner) -> Result<(), Error> {
        let values = *self.values.get_or_insert(matches!(
            snap.sample,
            Sample::Heap | Sample::Contention | Sample::Cpu
        ));
        self.header()?;
        let time = snap.time.map(|t| t.to_string()).unwrap_or_default();
        if self.first_time.is_none() {
            self.first_time = snap.time;
        }
        let elapsed = match (snap.time, self.first_time) {
            (Some(t), Some(first)) => elapsed_seconds(&t, &first),
            _ => String::new(),
        };
        let total = match (snap.status.has_profile(), snap.total) {
            (true, Some(total)) => total.to_string(),
            _ => String::new(),
        };
        let mut row = vec![
            snap.index.to_string(),
            time,
            elapsed,
            snap.kind.to_string(),
            total,
            snap.records.len().to_string(),
            snap.status.as_str().to_string(),
        ];
        if values {
            row.extend(value_totals(snap));
        }
        self.csv.write_record(&row)?;
        Ok(())
    }

    fn idle(&mut self) -> Result<(), Error> {
        self.flush()
    }
}

/// The heap columns (alloc_objects, alloc_space, inuse_objects, inuse_space)
/// the contention columns (contentions, delay) and CPU's (cpu): the sums of
/// the records' values, as pprof scales them; empty for other kinds.
fn value_totals(snap: &Snapshot) -> [String; 7] {
    let sum = |i: usize| {
        snap.records
            .iter()
            .map(|r| r.values[i])
            .sum::<u64>()
            .to_string()
    };
    let mut columns: [String; 7] = Default::default();
    match snap.sample {
        Sample::Heap if snap.status.has_profile() => {
            for (i, column) in columns[..4].iter_mut().enumerate() {
                *column = sum(i);
            }
        }
        Sample::Contention if snap.status.has_profile() => {
            columns[4] = sum(0);
            columns[5] = sum(1);
        }
        Sample::Cpu if snap.status.has_profile() => columns[6] = sum(1),
        _ => {}
    }
    columns
}

/// Exact seconds from `first` to `t`: `12`, `0.5`, `-3`.
pub fn elapsed_seconds(t: &Timestamp, first: &Timestamp) -> String {
    let (s1, n1) = t.instant();
    let (s0, n0) = first.instant();
    let nanos = i128::from(s1 - s0) * 1_000_000_000 + i128::from(n1) - i128::from(n0);
    let sign = if nanos < 0 { "-" } else { "" };
    let (whole, frac) = (nanos.abs() / 1_000_000_000, nanos.abs() % 1_000_000_000);
    if frac == 0 {
        return format!("{sign}{whole}");
    }
    let digits = format!("{frac:09}");
    format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elapsed_is_exact() {
        let cases = [
            ("1795772723", "1795772723", "0"),
            ("1795772723", "1795772725", "2"),
            ("1795772723.75", "1795772725.5", "1.75"),
            ("1795772725", "1795772723", "-2"),
            (
                "2026-11-27T15:00:00+05:30",
                "2026-11-27T09:31:00.000000001Z",
                "60.000000001",
            ),
        ];
        for (first, t, expected) in cases {
            let first = Timestamp::parse(first.as_bytes()).unwrap();
            let t = Timestamp::parse(t.as_bytes()).unwrap();
            assert_eq!(elapsed_seconds(&t, &first), expected);
        }
    }
}
