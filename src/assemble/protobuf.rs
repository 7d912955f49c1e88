//! Protobuf profiles (`profile.proto`) → snapshots, in the same model as text.
//!
//! A decoded profile becomes one snapshot: its kind from its sample types
//! (goroutine, threadcreate, goroutineleak and custom profiles by the count
//! type's name; heap and allocs by their four values, allocs where
//! `alloc_space` is the default; block and mutex by contentions and delay,
//! mutex where the stacks end in an `Unlock`; CPU by samples and cpu), one
//! record per sample with its values as Go wrote them (already scaled),
//! string and numeric labels as label text, and `time_nanos` as its time when
//! no `date` line gave one. Runtime frames are kept: the protobuf goroutine
//! profile shows what each goroutine is blocked on (`--trim-runtime` trims).
//! Type arguments read `[...]`, as Go's text forms print them.

use super::{Assembler, Consumer, Detail, State};
use crate::error::Error;
use crate::input::pprof::{Frame, Profile, Tables};
use crate::input::timestamp::{Timestamp, Zone};
use crate::model::{FrameRef, Kind, Record, Sample, StackId, Status, go_quote};

impl Assembler {
    /// Takes a decoded protobuf profile that began at line `line`, whose
    /// original bytes (as read, gzip'd or not) are `raw`.
    pub fn protobuf(
        &mut self,
        profile: &Profile,
        raw: &[u8],
        line: u64,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        self.begin_binary(line, consumer)?;
        if self.options.keep_raw {
            self.snap.profile_at = Some(self.snap.raw.len());
            self.snap.raw.extend_from_slice(raw);
        }
        let tables = Tables::new(profile);
        let (kind, sample) = kind_of(profile, &tables);
        self.snap.kind = kind;
        self.snap.sample = sample;
        if let Sample::Custom { .. } = sample {
            let names = tables.sample_types();
            self.snap.custom_types = names.into_iter().take(4).collect();
        }
        if self.snap.time.is_none() && profile.time_nanos > 0 {
            self.snap.time = Some(Timestamp {
                wall: profile.time_nanos.div_euclid(1_000_000_000),
                nanos: profile.time_nanos.rem_euclid(1_000_000_000) as u32,
                zone: Zone::Offset(0),
            });
        }
        let mut frames = Vec::new();
        let mut ids = Vec::new();
        let mut labels = Vec::new();
        let mut total = 0u64;
        for s in &profile.sample {
            let mut values = [0u64; 4];
            for (slot, &v) in values.iter_mut().zip(&s.value) {
                *slot = u64::try_from(v).unwrap_or(0);
            }
            let count = match sample {
                Sample::Heap => values[2],
                Sample::Count | Sample::Contention | Sample::Cpu | Sample::Custom { .. } => {
                    values[0]
                }
            };
            total = total.saturating_add(count);
            let stack = if self.options.detail == Detail::Stacks {
                tables.frames(&s.location_id, &mut frames);
                self.intern(&frames, &mut ids)
            } else {
                StackId::EMPTY
            };
            label_text(&tables, s, &mut labels);
            let mut record = Record::new(count, stack);
            record.values = values;
            self.snap.push_record(record, &labels);
        }
        self.snap.total = Some(total);
        self.emit(Status::Complete, consumer)
    }

    /// Binary data at line `line` (0: a whole file) that is not a profile: one clear message
    /// (never the bytes), as the pending snapshot's error or a skipped line.
    pub fn not_a_profile(
        &mut self,
        message: String,
        line: u64,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        // `file:line` for a segment inside a log, `file` for a whole file.
        let location = match line {
            0 => self.source.clone(),
            line => format!("{}:{line}", self.source),
        };
        if self.options.strict {
            return Err(Error::input(location, message));
        }
        self.stats.notes.push(format!("{location}: {message}"));
        if matches!(self.state, State::Pending(_)) {
            self.snap.error = Some(message);
            return self.emit(Status::Error, consumer);
        }
        Ok(())
    }

    /// Opens the snapshot a binary profile at `line` fills: the pending
    /// timestamp's, or a new one.
    fn begin_binary(&mut self, line: u64, consumer: &mut impl Consumer) -> Result<(), Error> {
        if matches!(self.state, State::Pending(_)) {
            self.junk_was_unknown()?;
            return Ok(());
        }
        self.finish(consumer)?;
        self.snap.clear();
        self.snap.index = self.next_index;
        self.snap.line = line;
        self.next_index += 1;
        Ok(())
    }

    fn intern(&mut self, frames: &[Frame<'_>], ids: &mut Vec<crate::model::FrameId>) -> StackId {
        ids.clear();
        let mut name = Vec::new();
        for frame in frames {
            let func = if frame.func.is_empty() {
                name = format!("{:#x}", frame.address).into_bytes();
                &name
            } else if let Some(printed) = print_name(frame.func, &mut name) {
                printed
            } else {
                frame.func
            };
            ids.push(self.interner.frame(FrameRef {
                func,
                file: frame.file,
                line: frame.line,
            }));
        }
        self.interner.stack(ids)
    }
}

/// `name` as Go's text forms print it (`runtime.funcNamePiecesForPrint`):
/// type arguments as `[...]` (`queue.(*Queue[...]).Pop`), so that a stack
/// reads the same in text and protobuf snapshots; `None` when it has none.
fn print_name<'a>(name: &[u8], out: &'a mut Vec<u8>) -> Option<&'a [u8]> {
    let open = memchr::memchr(b'[', name)?;
    let close = memchr::memrchr(b']', name)?;
    if close < open {
        return None;
    }
    out.clear();
    out.extend_from_slice(&name[..open]);
    out.extend_from_slice(b"[...]");
    out.extend_from_slice(&name[close + 1..]);
    Some(out)
}

/// The kind and sample of a profile, from its sample types (see the module documentation).
fn kind_of(profile: &Profile, tables: &Tables<'_>) -> (Kind, Sample) {
    let types = tables.sample_types();
    let types: Vec<&str> = types.iter().map(String::as_str).collect();
    match types.as_slice() {
        [
            "alloc_objects",
            "alloc_space",
            "inuse_objects",
            "inuse_space",
        ] => {
            let default = tables.string(profile.default_sample_type);
            let kind = if default == b"alloc_space" {
                Kind::Allocs
            } else {
                Kind::Heap
            };
            (kind, Sample::Heap)
        }
        ["contentions", "delay"] => {
            let mut frames = Vec::new();
            let unlocks = profile.sample.iter().any(|s| {
                tables.frames(&s.location_id[..s.location_id.len().min(1)], &mut frames);
                frames
                    .first()
                    .is_some_and(|f| f.func.ends_with(b"Unlock") || f.func.ends_with(b".unlock"))
            });
            let kind = if unlocks { Kind::Mutex } else { Kind::Block };
            (kind, Sample::Contention)
        }
        ["samples", "cpu"] => (Kind::Cpu, Sample::Cpu),
        [name] => (Kind::from_name(name), Sample::Count),
        // Other sample types (not Go's): named as the profile names them;
        // pprof's default is the profile's default_sample_type, else the last.
        [name, ..] => {
            let kept = &types[..types.len().min(4)];
            let default = tables.string(profile.default_sample_type);
            let default = kept
                .iter()
                .position(|t| !default.is_empty() && t.as_bytes() == default)
                .unwrap_or(kept.len() - 1);
            (
                Kind::from_name(name),
                Sample::Custom {
                    default: default as u8,
                },
            )
        }
        [] => (Kind::Other("profile".into()), Sample::Count),
    }
}

/// The labels of `sample` as Go prints them, `{"k":"v", "n":"42"}`, sorted by key.
fn label_text(
    tables: &Tables<'_>,
    sample: &crate::input::pprof::message::Sample,
    out: &mut Vec<u8>,
) {
    out.clear();
    if sample.label.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = sample
        .label
        .iter()
        .map(|l| {
            let key = String::from_utf8_lossy(tables.string(l.key)).into_owned();
            let value = if l.str != 0 {
                String::from_utf8_lossy(tables.string(l.str)).into_owned()
            } else {
                l.num.to_string()
            };
            (key, value)
        })
        .collect();
    pairs.sort();
    out.push(b'{');
    for (i, (key, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        go_quote(key, out);
        out.push(b':');
        go_quote(value, out);
    }
    out.push(b'}');
}
