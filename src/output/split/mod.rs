//! `pp-split`: the snapshots of a log, one JSON object per line, or selected
//! snapshots as text, or one file each.
//!
//! JSON lines follow [`crate::model::json`]. Text is the snapshot's original
//! bytes (its timestamp line and profile), so any pp binary, and any other
//! tool, reads it back as it was; snapshots that came from JSON have no
//! original bytes and are written as debug=1 text rebuilt from the model.

mod select;
mod sources;
mod text;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::assemble::{Consumer, Detail, Options, Stats};
use crate::error::Error;
use crate::input::Source;
use crate::input::zone::TimeZone;
use crate::model::json::SnapshotJson;
use crate::model::{Interner, Snapshot};
use crate::pipeline;
pub use select::{Selection, Selector, StatusList, Take, TimeArg};
pub use sources::run_sources;
pub use text::render_text;

/// What `pp-split` writes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Format {
    /// One JSON object per line ([`crate::model::json`]).
    #[default]
    Json,
    /// The snapshots' original bytes: a log every pp binary reads back.
    Text,
    /// Each snapshot's original bytes in its own file `DIR/NNNNNN.txt` (a
    /// protobuf snapshot's profile alone, `DIR/NNNNNN.pb.gz`); the paths on
    /// the output.
    Dir {
        /// The directory, created if missing.
        dir: PathBuf,
    },
}

/// What `pp-split` does.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SplitOptions {
    /// The output form. Default is JSON lines.
    pub format: Format,
    /// With [`Format::Dir`], overwrite files that exist. Default is `false`.
    pub force: bool,
    /// Which snapshots are written. Default is all of them.
    pub selection: Selection,
    /// Stop at the first line not understood. Default is `false`.
    pub strict: bool,
    /// Read times without an offset (or with a zone name) in this zone.
    /// Default is none: such times keep their wall clock only.
    pub tz: Option<TimeZone>,
}

/// Writes the snapshots of `sources` that `options` select to `out`; returns what was read.
pub fn run(
    options: &SplitOptions,
    sources: &[Source],
    out: &mut impl Write,
) -> Result<Stats, Error> {
    if let Format::Dir { dir } = &options.format {
        fs::create_dir_all(dir)
            .map_err(|e| Error::input(dir.display().to_string(), e.to_string()))?;
    }
    let mut writer = SplitWriter {
        out,
        format: options.format.clone(),
        force: options.force,
        selector: Selector::new(options.selection.clone()),
        unterminated: false,
    };
    let parse = Options {
        detail: Detail::Stacks,
        keep_raw: writer.format != Format::Json,
        strict: options.strict,
        tz: options.tz.clone(),
    };
    let assembler = pipeline::run(sources, parse, &mut writer)?;
    Ok(assembler.stats().clone())
}

/// Writes the selected snapshots in one [`Format`].
pub struct SplitWriter<W: Write> {
    out: W,
    format: Format,
    force: bool,
    selector: Selector<(u64, Vec<u8>, &'static str)>,
    /// The last text written ended without a newline (it was cut off): the
    /// next snapshot must start on a line of its own.
    unterminated: bool,
}

impl<W: Write> SplitWriter<W> {
    /// Writes one snapshot's rendered bytes: to stdout, or to its file.
    fn write(&mut self, index: u64, bytes: &[u8], ext: &str) -> Result<(), Error> {
        match &self.format {
            Format::Dir { dir } => {
                let path = dir.join(format!("{index:06}.{ext}"));
                write_file(&path, bytes, self.force)?;
                self.out.write_all(path.as_os_str().as_encoded_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Text => {
                if self.unterminated && !bytes.is_empty() {
                    self.out.write_all(b"\n")?;
                }
                self.out.write_all(bytes)?;
                // Binary data ends where it ends: the next snapshot follows
                // it directly, as in the input.
                self.unterminated = ext == "txt" && bytes.last().is_some_and(|&b| b != b'\n');
            }
            Format::Json => self.out.write_all(bytes)?,
        }
        Ok(())
    }
}

impl<W: Write> Consumer for SplitWriter<W> {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        self.selector.check_zones(snap)?;
        if !self.selector.wants(snap) {
            return Ok(());
        }
        let mut bytes = Vec::new();
        // A protobuf snapshot's profile, as it came (gzip'd or not).
        let profile = snap
            .profile_at
            .and_then(|at| snap.raw.get(at..))
            .filter(|p| !p.is_empty());
        let ext = match profile {
            Some([0x1f, 0x8b, ..]) => "pb.gz",
            Some(_) => "pb",
            None => "txt",
        };
        match self.format {
            Format::Json => {
                serde_json::to_writer(
                    &mut bytes,
                    &SnapshotJson {
                        snapshot: snap,
                        interner,
                    },
                )?;
                bytes.push(b'\n');
            }
            // A protobuf snapshot's file is its profile as it came, which
            // go tool pprof reads too: the timestamp line is left out (the
            // profile has its own time).
            Format::Dir { .. } if profile.is_some() => {
                bytes.extend_from_slice(profile.unwrap_or_default());
            }
            Format::Text | Format::Dir { .. } => render_text(snap, interner, &mut bytes),
        }
        if let Some((index, bytes, ext)) = self.selector.hold((snap.index, bytes, ext)) {
            self.write(index, &bytes, ext)?;
        }
        Ok(())
    }

    fn idle(&mut self) -> Result<(), Error> {
        self.out.flush()?;
        Ok(())
    }

    /// Writes what `--last` held back, and flushes.
    fn finish(&mut self, _: &Interner) -> Result<(), Error> {
        let held: Vec<_> = self.selector.drain().collect();
        for (index, bytes, ext) in held {
            self.write(index, &bytes, ext)?;
        }
        self.out.flush()?;
        Ok(())
    }

    fn wants_more(&self) -> bool {
        self.selector.wants_more()
    }
}

/// Creates `path` with `bytes`; an existing file is an error unless `force`.
fn write_file(path: &Path, bytes: &[u8], force: bool) -> Result<(), Error> {
    let mut options = OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let name = path.display().to_string();
    let mut file = options.open(path).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => {
            Error::input(&name, "file exists (use --force to overwrite)")
        }
        _ => Error::input(&name, e.to_string()),
    })?;
    file.write_all(bytes)
        .map_err(|e| Error::input(&name, e.to_string()))
}
