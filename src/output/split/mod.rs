//! `pp-split`: the snapshots of a log, one JSON object per line, or selected
//! snapshots as text, or one file each.
//!
//! JSON lines follow [`crate::model::json`]. Text is the snapshot's original
//! bytes (its timestamp line and profile), so any pp binary, and any other
//! tool, reads it back as it was; snapshots that came from JSON have no
//! original bytes and are written as debug=1 text rebuilt from the model.

mod select;
mod text;

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use bpaf::{Bpaf, OptionParser, Parser};

use crate::assemble::{Consumer, Detail, Options};
use crate::cli::{self, InputArgs, input_args};
use crate::error::Error;
use crate::input::Source;
use crate::model::json::SnapshotJson;
use crate::model::{Interner, Snapshot};
use crate::pipeline;
pub use select::{Selection, Selector, StatusList, Take, TimeArg};
pub use text::render_text;

// What `pp-split` writes. (A `//` comment: bpaf would print a doc comment as a heading.)
#[derive(Debug, Clone, Bpaf)]
#[allow(missing_docs)]
pub enum Format {
    /// Write the selected snapshots as text (their original bytes): a log that
    /// every pp binary reads back to the same snapshots.
    #[bpaf(long("text"))]
    Text,
    Dir {
        /// Write each selected snapshot to its own file DIR/NNNNNN.txt (its index,
        /// zero-padded) with its original bytes, and print each path. DIR is
        /// created if missing.
        #[bpaf(long("dir"), argument("DIR"))]
        dir: PathBuf,
    },
    // JSON lines, the default.
    #[bpaf(skip)]
    Json,
}

// Command line of `pp-split`.
#[derive(Debug, Clone, Bpaf)]
pub struct SplitArgs {
    #[bpaf(external(format), fallback(Format::Json))]
    format: Format,
    /// With --dir, overwrite files that exist; without it they are an error.
    #[bpaf(long("force"))]
    force: bool,
    #[bpaf(external(take), fallback(Take::All))]
    take: Take,
    /// Keep every Nth selected snapshot: the 1st, the N+1th, ...
    #[bpaf(long("every"), argument("N"), guard(|&n| n > 0, "N must be at least 1"), fallback(1), display_fallback)]
    every: u64,
    /// Keep snapshots taken at or after TIME (RFC 3339, `date` output or epoch seconds).
    #[bpaf(long("since"), argument("TIME"))]
    since: Option<TimeArg>,
    /// Keep snapshots taken at or before TIME.
    #[bpaf(long("until"), argument("TIME"))]
    until: Option<TimeArg>,
    /// Keep snapshots with these statuses: complete, partial, missing, error
    /// (comma-separated, or repeat the flag).
    #[bpaf(long("status"), argument("STATUS"), many)]
    status: Vec<StatusList>,
    #[bpaf(external(input_args))]
    input: InputArgs,
}

fn take() -> impl Parser<Take> {
    let first = bpaf::long("first")
        .help("Keep the first N selected snapshots, then stop reading")
        .argument::<usize>("N")
        .map(Take::First);
    let last = bpaf::long("last")
        .help("Keep the last N selected snapshots (N are held in memory)")
        .argument::<usize>("N")
        .map(Take::Last);
    bpaf::construct!([first, last])
}

/// The `pp-split` parser, with its help text (also the man page's source).
pub fn parser() -> OptionParser<SplitArgs> {
    split_args()
        .to_options()
        .version(env!("CARGO_PKG_VERSION"))
        .descr("split a Go profile log into snapshots: JSON lines, text, or one file each")
        .header(
            "Reads a log of Go text profiles (timestamp lines from `date` between \
             `?debug=1` profiles), any Go text profile, or pp-split JSON lines, and writes \
             one JSON object per snapshot: {index, time, time_raw, kind, total, status, error, \
             records: [{count, labels, truncated, frames: [{func, file, line}]}]}. \
             Frames are leaf first; time is ISO 8601 (with an offset only where the input gave \
             one); time_raw, kind, total and error are null when unknown; a frame known only by \
             its address has that address as func, \"\" as file and 0 as line. \
             Selection applies --status, --since and --until, then --every, then --first or --last.",
        )
        .footer(FOOTER)
}

const FOOTER: &str = "\
Exit status: 0 success; 1 unusable input (no profile found, --strict failure, unreadable file, a file in --dir exists); 2 usage error.

Examples:
 pp-split prof.log | jq -c '{index, total}'
 pp-split --last 1 --text prof.log > latest.txt
 pp-split --status partial,error prof.log
 pp-split --every 60 --dir snapshots prof.log";

/// Runs `pp-split`.
pub fn run(args: SplitArgs) -> Result<i32, Error> {
    let selection = Selection {
        statuses: args.status.into_iter().flat_map(|list| list.0).collect(),
        since: args.since.map(|t| t.0),
        until: args.until.map(|t| t.0),
        every: args.every,
        take: args.take,
    };
    if let Format::Dir { dir } = &args.format {
        fs::create_dir_all(dir)
            .map_err(|e| Error::input(dir.display().to_string(), e.to_string()))?;
    }
    let mut writer = SplitWriter {
        out: cli::Output::stdout(),
        format: args.format,
        force: args.force,
        selector: Selector::new(selection),
        unterminated: false,
    };
    let options = Options {
        detail: Detail::Stacks,
        keep_raw: !matches!(writer.format, Format::Json),
        strict: args.input.strict,
    };
    let sources = Source::from_args(&args.input.files);
    let assembler = pipeline::run(&sources, options, &mut writer)?;
    writer.finish()?;
    cli::finish(assembler.stats(), args.input.quiet)
}

/// Writes the selected snapshots in one [`Format`].
pub struct SplitWriter<W: Write> {
    out: W,
    format: Format,
    force: bool,
    selector: Selector<(u64, Vec<u8>)>,
    /// The last text written ended without a newline (it was cut off): the
    /// next snapshot must start on a line of its own.
    unterminated: bool,
}

impl<W: Write> SplitWriter<W> {
    /// Writes what `--last` held back, and flushes.
    fn finish(&mut self) -> Result<(), Error> {
        let held: Vec<_> = self.selector.drain().collect();
        for (index, bytes) in held {
            self.write(index, &bytes)?;
        }
        self.out.flush()?;
        Ok(())
    }

    /// Writes one snapshot's rendered bytes: to stdout, or to its file.
    fn write(&mut self, index: u64, bytes: &[u8]) -> Result<(), Error> {
        match &self.format {
            Format::Dir { dir } => {
                let path = dir.join(format!("{index:06}.txt"));
                write_file(&path, bytes, self.force)?;
                self.out.write_all(path.as_os_str().as_encoded_bytes())?;
                self.out.write_all(b"\n")?;
            }
            Format::Text => {
                if self.unterminated && !bytes.is_empty() {
                    self.out.write_all(b"\n")?;
                }
                self.out.write_all(bytes)?;
                self.unterminated = bytes.last().is_some_and(|&b| b != b'\n');
            }
            Format::Json => self.out.write_all(bytes)?,
        }
        Ok(())
    }
}

impl<W: Write> Consumer for SplitWriter<W> {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        if !self.selector.wants(snap) {
            return Ok(());
        }
        let mut bytes = Vec::new();
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
            Format::Text | Format::Dir { .. } => render_text(snap, interner, &mut bytes),
        }
        if let Some((index, bytes)) = self.selector.hold((snap.index, bytes)) {
            self.write(index, &bytes)?;
        }
        Ok(())
    }

    fn idle(&mut self) -> Result<(), Error> {
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
