//! `pp-fold --speedscope`: speedscope's JSON file format
//! (<https://www.speedscope.app/file-format-schema.json>), one sampled
//! profile per snapshot (or, with `--source-root`, per source), the frames
//! shared between them.
//!
//! The file is written as the input is read: `profiles` first, one object
//! per snapshot the moment it is complete, then `shared.frames`, whose size
//! is the number of distinct frame names. Only one snapshot's stacks are
//! held at a time. A frame's name is its folded text (function, or with
//! `--lines` function, file and line), so what speedscope merges is what
//! pp-fold merges.

use std::io::{BufRead, Write};

use crate::analysis::aggregate::{mixed_kinds, value_index};
use crate::analysis::{AggregateOptions, StackNamer, TRUNCATED};
use crate::assemble::Consumer;
use crate::error::Error;
use crate::model::{FastMap, Interner, Kind, Snapshot};

const SCHEMA: &str = "https://www.speedscope.app/file-format-schema.json";

/// A speedscope file being written.
pub struct SpeedscopeFile<W: Write> {
    out: W,
    frames: Vec<String>,
    frame_ids: FastMap<String, u32>,
    profiles: u64,
}

impl<W: Write> SpeedscopeFile<W> {
    /// Starts the file on `out`.
    pub fn new(mut out: W) -> Result<SpeedscopeFile<W>, Error> {
        write!(
            out,
            "{{\"$schema\":\"{SCHEMA}\",\"exporter\":\"parseprof {}\",\"profiles\":[",
            env!("CARGO_PKG_VERSION")
        )?;
        Ok(SpeedscopeFile {
            out,
            frames: Vec::new(),
            frame_ids: FastMap::default(),
            profiles: 0,
        })
    }

    /// The index of the frame named `name`, added the first time.
    pub fn frame(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.frame_ids.get(name) {
            return id;
        }
        let id = self.frames.len() as u32;
        self.frames.push(name.to_string());
        self.frame_ids.insert(name.to_string(), id);
        id
    }

    /// Writes one sampled profile: each sample its frame indexes, root
    /// first, and its weight in `unit` (`none`, `bytes`, `nanoseconds`).
    pub fn profile(
        &mut self,
        name: &str,
        unit: &str,
        samples: &[(Vec<u32>, u64)],
    ) -> Result<(), Error> {
        let total: u64 = samples.iter().map(|(_, w)| w).sum();
        if self.profiles > 0 {
            self.out.write_all(b",")?;
        }
        self.profiles += 1;
        write!(
            self.out,
            "{{\"type\":\"sampled\",\"name\":{},\"unit\":\"{unit}\",\"startValue\":0,\"endValue\":{total},\"samples\":[",
            serde_json::to_string(name)?
        )?;
        for (i, (frames, _)) in samples.iter().enumerate() {
            self.out.write_all(if i == 0 { b"[" } else { b",[" })?;
            for (j, frame) in frames.iter().enumerate() {
                if j > 0 {
                    self.out.write_all(b",")?;
                }
                write!(self.out, "{frame}")?;
            }
            self.out.write_all(b"]")?;
        }
        self.out.write_all(b"],\"weights\":[")?;
        for (i, (_, weight)) in samples.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            write!(self.out, "{weight}")?;
        }
        self.out.write_all(b"]}")?;
        Ok(())
    }

    /// Adds a profile made of folded lines (`root;...;leaf COUNT`).
    pub fn folded(&mut self, name: &str, unit: &str, lines: impl BufRead) -> Result<(), Error> {
        let mut samples = Vec::new();
        for line in lines.lines() {
            let line = line?;
            let Some((stack, count)) = line.rsplit_once(' ') else {
                continue;
            };
            let frames = stack.split(';').map(|f| self.frame(f)).collect();
            samples.push((frames, count.parse().unwrap_or(0)));
        }
        self.profile(name, unit, &samples)
    }

    /// Ends the file with the shared frames; `name` names the whole.
    pub fn finish(mut self, name: &str) -> Result<W, Error> {
        self.out.write_all(b"],\"shared\":{\"frames\":[")?;
        for (i, frame) in self.frames.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            write!(self.out, "{{\"name\":{}}}", serde_json::to_string(frame)?)?;
        }
        writeln!(
            self.out,
            "]}},\"name\":{},\"activeProfileIndex\":0}}",
            serde_json::to_string(name)?
        )?;
        Ok(self.out)
    }
}

/// speedscope's unit for a value named as pprof names it.
pub fn unit_of(value: &str) -> &'static str {
    if value.ends_with("space") || value.ends_with("bytes") {
        "bytes"
    } else if value == "delay" || value.contains("nanoseconds") || value == "cpu" {
        "nanoseconds"
    } else {
        "none"
    }
}

/// The consumer: one profile per snapshot of the kind folded.
pub struct SnapshotProfiles<W: Write> {
    file: Option<SpeedscopeFile<W>>,
    names: StackNamer,
    options: AggregateOptions,
    kind: Option<Kind>,
    value: usize,
    unit: &'static str,
    /// Namer frame-text id → the file's frame index + 1 (0: not yet).
    frame_of: Vec<u32>,
    /// Per text id × 2 (+ 1 when truncated): where its sample is in
    /// `samples` + 1, for this snapshot.
    slot_of: Vec<u32>,
    samples: Vec<(Vec<u32>, u64)>,
    /// The slots of this snapshot's samples, in order.
    texts: Vec<u32>,
}

impl<W: Write> SnapshotProfiles<W> {
    /// A consumer writing to `out`, naming stacks as `options` say.
    pub fn new(out: W, options: &AggregateOptions) -> Result<SnapshotProfiles<W>, Error> {
        Ok(SnapshotProfiles {
            file: Some(SpeedscopeFile::new(out)?),
            names: StackNamer::new(options.style, options.trim_runtime),
            options: options.clone(),
            kind: None,
            value: 0,
            unit: "none",
            frame_of: Vec::new(),
            slot_of: Vec::new(),
            samples: Vec::new(),
            texts: Vec::new(),
        })
    }

    /// Ends the file; returns the output.
    pub fn into_inner(mut self, name: &str) -> Result<W, Error> {
        self.file.take().expect("not finished").finish(name)
    }

    /// True when `snap` is of the kind written (the first one's, or `--kind`).
    fn wants(&mut self, snap: &Snapshot) -> Result<bool, Error> {
        if !snap.status.has_profile() {
            return Ok(false);
        }
        if let Some(wanted) = &self.options.kind {
            if *wanted != snap.kind {
                return Ok(false);
            }
            return self.choose(snap).map(|()| true);
        }
        match &self.kind {
            Some(kind) if *kind == snap.kind => Ok(true),
            Some(kind) => Err(mixed_kinds(kind, snap)),
            None => self.choose(snap).map(|()| true),
        }
    }

    fn choose(&mut self, snap: &Snapshot) -> Result<(), Error> {
        if self.kind.is_some() {
            return Ok(());
        }
        self.value = value_index(snap, self.options.value.as_deref())?;
        let names = snap.value_names();
        self.unit = unit_of(names.get(self.value).copied().unwrap_or_default());
        self.kind = Some(snap.kind.clone());
        Ok(())
    }
}

impl<W: Write> Consumer for SnapshotProfiles<W> {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        if !self.wants(snap)? {
            return Ok(());
        }
        self.texts.clear();
        self.samples.clear();
        for record in &snap.records {
            let weight = record.values[self.value];
            let text = self.names.id(record.stack, interner);
            // A stack cut at the depth limit has pp-fold's `[truncated]` root.
            let slot = text as usize * 2 + usize::from(record.truncated);
            if slot >= self.slot_of.len() {
                self.slot_of.resize(slot + 1, 0);
            }
            if self.slot_of[slot] == 0 {
                self.texts.push(slot as u32);
                self.samples.push((Vec::new(), 0));
                self.slot_of[slot] = self.samples.len() as u32;
            }
            self.samples[self.slot_of[slot] as usize - 1].1 += weight;
        }
        let file = self.file.as_mut().expect("not finished");
        for (i, &slot) in self.texts.iter().enumerate() {
            self.slot_of[slot as usize] = 0;
            let frames = &mut self.samples[i].0;
            if slot % 2 == 1 {
                frames.push(file.frame(TRUNCATED));
            }
            for &f in self.names.sequence(slot / 2) {
                let f = f as usize;
                if f >= self.frame_of.len() {
                    self.frame_of.resize(f + 1, 0);
                }
                if self.frame_of[f] == 0 {
                    self.frame_of[f] = file.frame(self.names.frame_string(f as u32)) + 1;
                }
                frames.push(self.frame_of[f] - 1);
            }
        }
        self.samples.retain(|(_, weight)| *weight > 0);
        let when = match snap.time {
            Some(time) => time.to_string(),
            None => format!("snapshot {}", snap.index),
        };
        let partial = if snap.status.as_str() == "partial" {
            " (partial)"
        } else {
            ""
        };
        file.profile(&format!("{when}{partial}"), self.unit, &self.samples)
    }
}
