//! `pp-totals --by KEY`: long-format CSV, one row per key per snapshot
//! (`index,time,elapsed_s,key,count`), written and flushed as each snapshot
//! completes. Memory is bounded by the distinct keys.

use std::collections::BTreeMap;
use std::io::Write;
use std::str::FromStr;

use super::rows::elapsed_seconds;
use crate::analysis::{FrameStyle, StackNamer, push_safe};
use crate::assemble::Consumer;
use crate::error::Error;
use crate::input::timestamp::Timestamp;
use crate::model::{Interner, Sample, Snapshot};

/// What `--by` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByKey {
    /// The stack, folded as pp-fold folds it.
    Stack,
    /// Each function: the goroutines whose stack contains it.
    Func,
    /// Each pprof label, `key=value`.
    Label,
    /// A dump's goroutine state.
    State,
    /// A dump's goroutine creator: the function of `created by FUNC`.
    Creator,
}

impl FromStr for ByKey {
    type Err = String;

    fn from_str(text: &str) -> Result<ByKey, String> {
        match text {
            "stack" => Ok(ByKey::Stack),
            "func" => Ok(ByKey::Func),
            "label" => Ok(ByKey::Label),
            "state" => Ok(ByKey::State),
            "creator" => Ok(ByKey::Creator),
            _ => Err(format!(
                "{text:?} is not a key: use stack, func, label, state or creator"
            )),
        }
    }
}

/// The header of `--by` output.
pub const BY_HEADER: [&str; 5] = ["index", "time", "elapsed_s", "key", "count"];

/// Writes one row per key per snapshot.
pub struct ByWriter<W: Write> {
    csv: csv::Writer<W>,
    key: ByKey,
    names: StackNamer,
    first_time: Option<Timestamp>,
    /// Whether the header was written.
    header: bool,
    counts: BTreeMap<String, u64>,
}

impl<W: Write> ByWriter<W> {
    /// A writer to `out`; the header is written when the first input opens.
    pub fn new(out: W, key: ByKey) -> Result<ByWriter<W>, Error> {
        let csv = csv::WriterBuilder::new()
            .buffer_capacity(64 * 1024)
            .from_writer(out);
        Ok(ByWriter {
            csv,
            key,
            names: StackNamer::new(FrameStyle::Func, false),
            first_time: None,
            header: false,
            counts: BTreeMap::new(),
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
            self.csv.write_record(BY_HEADER)?;
        }
        Ok(())
    }

    /// Adds `snap`'s records to the per-key counts.
    fn count(&mut self, snap: &Snapshot, interner: &Interner) {
        let value = if snap.sample == Sample::Count {
            0
        } else {
            snap.sample.default_value()
        };
        let mut funcs = Vec::new();
        for record in &snap.records {
            let n = record.values[value];
            match self.key {
                ByKey::Stack => {
                    let id = self.names.id(record.stack, interner);
                    *self.counts.entry(self.names.text(id)).or_default() += n;
                }
                ByKey::Func => {
                    funcs.clear();
                    for &frame in interner.frames_of(record.stack) {
                        let mut name = String::new();
                        push_safe(
                            &String::from_utf8_lossy(&interner.get(frame).func),
                            &mut name,
                        );
                        funcs.push(name);
                    }
                    funcs.sort_unstable();
                    funcs.dedup();
                    for func in funcs.drain(..) {
                        *self.counts.entry(func).or_default() += n;
                    }
                }
                ByKey::Label => {
                    for (key, label) in snap.labels(record) {
                        *self.counts.entry(format!("{key}={label}")).or_default() += n;
                    }
                }
                ByKey::State if record.state != 0 => {
                    *self
                        .counts
                        .entry(interner.state_name(record.state).to_string())
                        .or_default() += n;
                }
                ByKey::State => {}
                ByKey::Creator if record.creator != 0 => {
                    let mut name = String::new();
                    push_safe(interner.creator_name(record.creator), &mut name);
                    *self.counts.entry(name).or_default() += n;
                }
                ByKey::Creator => {}
            }
        }
    }
}

impl<W: Write> Consumer for ByWriter<W> {
    fn begin_source(&mut self, _: &str) -> Result<(), Error> {
        self.header()
    }

    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        if self.first_time.is_none() {
            self.first_time = snap.time;
        }
        if !snap.status.has_profile() {
            return Ok(());
        }
        let time = snap.time.map(|t| t.to_string()).unwrap_or_default();
        let elapsed = match (snap.time, self.first_time) {
            (Some(t), Some(first)) => elapsed_seconds(&t, &first),
            _ => String::new(),
        };
        self.counts.clear();
        self.count(snap, interner);
        let index = snap.index.to_string();
        for (key, count) in &self.counts {
            self.csv
                .write_record([index.as_str(), &time, &elapsed, key, &count.to_string()])?;
        }
        Ok(())
    }

    fn idle(&mut self) -> Result<(), Error> {
        self.flush()
    }
}
