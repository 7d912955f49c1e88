//! Events → snapshots: the state machine that assembles one snapshot at a time.
//!
//! Lines arrive one by one ([`Assembler::line`]); each is classified once and
//! either joins the open snapshot, starts a new one, or is skipped and
//! counted. A snapshot is handed to the [`Consumer`] the moment it is
//! complete (its counts reach the header total and its last record ended), or
//! when the next snapshot starts, or when its input ends. Then it is cleared
//! and reused: memory holds one snapshot plus the interned stacks.

mod record;

use crate::error::{Error, quote};
use crate::input::event::{Event, classify};
use crate::input::line::Line;
use crate::model::json;
use crate::model::{Interner, Snapshot, StackId, Status};
use record::{RecordBuilder, StackCache};

/// How much of each record a consumer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Counts only: records carry [`StackId::EMPTY`] and frame lines are not parsed.
    Counts,
    /// Counts and interned stacks.
    #[default]
    Stacks,
}

/// What the assembler does besides assembling.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Options {
    /// Whether stacks are resolved. Default is [`Detail::Stacks`].
    pub detail: Detail,
    /// Keep each snapshot's original bytes in [`Snapshot::raw`]. Default is `false`.
    pub keep_raw: bool,
    /// Make an unknown line an error instead of skipping it. Default is `false`.
    pub strict: bool,
}

/// Receives each snapshot as soon as it is assembled.
pub trait Consumer {
    /// Called once per snapshot, in input order. The snapshot is reused after
    /// the call returns: keep what you need, not the reference.
    fn snapshot(&mut self, snapshot: &Snapshot, interner: &Interner) -> Result<(), Error>;

    /// Called before the pipeline waits for more input: the moment to flush
    /// live output. The default does nothing.
    fn idle(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// False once the consumer needs nothing more (`--first N`): the
    /// pipeline then stops reading. The default is always true.
    fn wants_more(&self) -> bool {
        true
    }
}

/// How many unknown lines are listed by location in the summary.
const UNKNOWN_SHOWN: usize = 3;

/// What the assembler saw, for the one-line summary on stderr.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Snapshots by status, in the order of [`Status::ALL`].
    pub by_status: [u64; 4],
    /// Lines skipped because they were not understood.
    pub unknown_lines: u64,
    /// `file:line` of the first few unknown lines.
    pub unknown_at: Vec<String>,
}

impl Stats {
    /// Total number of snapshots.
    pub fn snapshots(&self) -> u64 {
        self.by_status.iter().sum()
    }

    /// Number of snapshots with `status`.
    pub fn count(&self, status: Status) -> u64 {
        self.by_status[status as usize]
    }

    /// `50 snapshots: 49 complete, 1 partial; 2 unknown lines skipped (a:3, a:9)`.
    pub fn summary(&self) -> String {
        let statuses: Vec<String> = Status::ALL
            .iter()
            .filter(|&&s| self.count(s) > 0)
            .map(|&s| format!("{} {}", self.count(s), s.as_str()))
            .collect();
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let mut text = format!("{} snapshot{}", self.snapshots(), plural(self.snapshots()));
        if !statuses.is_empty() {
            text.push_str(": ");
            text.push_str(&statuses.join(", "));
        }
        if self.unknown_lines > 0 {
            let n = self.unknown_lines;
            text.push_str(&format!(
                "; {n} unknown line{} skipped ({}",
                plural(n),
                self.unknown_at.join(", ")
            ));
            if n > self.unknown_at.len() as u64 {
                text.push_str(", ...");
            }
            text.push(')');
        }
        text
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No snapshot is open.
    Idle,
    /// A timestamp was read; its profile has not started.
    Pending,
    /// Inside a debug=1 count profile.
    Count,
    /// Inside a multi-line answer that is not a profile (an HTML page).
    ErrorBody,
}

/// Unrecognised text after a timestamp: the server's answer, unless a profile follows.
#[derive(Default)]
struct Junk {
    lines: u64,
    first_line: u64,
    message: String,
}

/// The state machine; see the module documentation.
pub struct Assembler {
    options: Options,
    interner: Interner,
    cache: StackCache,
    record: RecordBuilder,
    snap: Snapshot,
    state: State,
    next_index: u64,
    /// Sum of the open snapshot's counts.
    counted: u64,
    /// The open snapshot's last line was cut off (no newline at end of input).
    cut: bool,
    junk: Junk,
    source: String,
    stats: Stats,
}

impl Assembler {
    /// An assembler with nothing read yet.
    pub fn new(options: Options) -> Assembler {
        Assembler {
            options,
            interner: Interner::new(),
            cache: StackCache::default(),
            record: RecordBuilder::default(),
            snap: Snapshot::default(),
            state: State::Idle,
            next_index: 0,
            counted: 0,
            cut: false,
            junk: Junk::default(),
            source: String::new(),
            stats: Stats::default(),
        }
    }

    /// The interned frames and stacks seen so far.
    pub fn interner(&self) -> &Interner {
        &self.interner
    }

    /// What was seen so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Names the input whose lines follow, for error messages (`prof.log`, `<stdin>`).
    pub fn begin_source(&mut self, name: &str) {
        self.source.clear();
        self.source.push_str(name);
    }

    /// Ends the current input: a snapshot never spans two inputs.
    pub fn end_source(&mut self, consumer: &mut impl Consumer) -> Result<(), Error> {
        self.finish(consumer)
    }

    /// Takes one line.
    pub fn line(&mut self, line: Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        let event = classify(line.text);
        if self.state == State::ErrorBody
            && !matches!(
                event,
                Event::Timestamp(_) | Event::CountHeader { .. } | Event::Json(_)
            )
        {
            self.keep(&line);
            return Ok(());
        }
        match event {
            Event::Frame(text) => self.on_frame(text, &line),
            Event::CountRecord { count, addrs } => self.on_count_record(count, addrs, &line),
            Event::Labels(text) => self.on_labels(text, &line),
            Event::Blank => self.on_blank(&line, consumer),
            Event::Timestamp(time) => {
                self.finish(consumer)?;
                self.open(&line);
                self.snap.time = Some(time);
                self.snap.time_raw = String::from_utf8_lossy(line.text.trim_ascii()).into_owned();
                self.state = State::Pending;
                Ok(())
            }
            Event::CountHeader { name, total } => {
                self.on_count_header(name, total, &line, consumer)
            }
            Event::ServerError { message, multiline } => {
                self.on_server_error(message, multiline, &line, consumer)
            }
            Event::Json(text) => self.on_json(text, &line, consumer),
            Event::Unknown => self.on_unknown(&line),
        }
    }

    fn on_frame(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Count || !self.record.open {
            return self.unknown(line);
        }
        self.keep(line);
        if !line.terminated {
            // The input ends inside this line: it was cut, so its columns cannot be trusted.
            self.cut = true;
            return Ok(());
        }
        self.record
            .push_frame(text, line.number, self.options.detail == Detail::Stacks);
        Ok(())
    }

    fn on_count_record(&mut self, count: u64, addrs: &[u8], line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Count {
            return self.unknown(line);
        }
        self.end_record()?;
        self.record
            .begin(count, addrs, self.options.detail == Detail::Stacks);
        self.counted = self.counted.saturating_add(count);
        self.cut |= !line.terminated;
        self.keep(line);
        Ok(())
    }

    fn on_labels(&mut self, text: &[u8], line: &Line<'_>) -> Result<(), Error> {
        let fits = self.state == State::Count && self.record.open && self.record.frames == 0;
        if !fits || !self.record.labels.is_empty() {
            return self.unknown(line);
        }
        self.record.labels.extend_from_slice(text);
        self.keep(line);
        Ok(())
    }

    fn on_blank(&mut self, line: &Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        match self.state {
            State::Idle => Ok(()),
            State::Pending | State::ErrorBody => {
                self.keep(line);
                Ok(())
            }
            State::Count => {
                self.keep(line);
                if !self.record.open {
                    return Ok(());
                }
                self.end_record()?;
                if Some(self.counted) == self.snap.total && !self.cut {
                    return self.emit(Status::Complete, consumer);
                }
                Ok(())
            }
        }
    }

    fn on_count_header(
        &mut self,
        name: &[u8],
        total: u64,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        if self.state == State::Pending {
            self.junk_was_unknown()?;
        } else {
            self.finish(consumer)?;
            self.open(line);
        }
        self.snap.kind = String::from_utf8_lossy(name).into_owned();
        self.snap.total = Some(total);
        self.state = State::Count;
        self.keep(line);
        if total == 0 && line.terminated {
            return self.emit(Status::Complete, consumer);
        }
        Ok(())
    }

    fn on_server_error(
        &mut self,
        message: &[u8],
        multiline: bool,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        match self.state {
            State::Count | State::ErrorBody => return self.unknown(line),
            State::Idle => self.open(line),
            State::Pending => {}
        }
        self.junk_was_unknown()?;
        self.snap.error = Some(lossy_message(message));
        self.keep(line);
        if multiline {
            self.state = State::ErrorBody;
            return Ok(());
        }
        self.emit(Status::Error, consumer)
    }

    fn on_json(
        &mut self,
        text: &[u8],
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        self.finish(consumer)?;
        self.snap.clear();
        match json::read_snapshot(text, &mut self.interner, &mut self.snap) {
            Ok(status) => {
                self.snap.index = self.next_index;
                self.snap.line = line.number;
                self.next_index += 1;
                self.state = State::Count;
                self.emit(status, consumer)
            }
            Err(_) => {
                self.snap.clear();
                self.unknown(line)
            }
        }
    }

    fn on_unknown(&mut self, line: &Line<'_>) -> Result<(), Error> {
        if self.state != State::Pending {
            return self.unknown(line);
        }
        if self.junk.lines == 0 {
            self.junk.first_line = line.number;
            self.junk.message = lossy_message(line.text);
        }
        self.junk.lines += 1;
        self.keep(line);
        Ok(())
    }

    /// Text after a timestamp turned out to precede a profile: it was junk after all.
    fn junk_was_unknown(&mut self) -> Result<(), Error> {
        if self.junk.lines > 0 {
            self.report_unknown(self.junk.first_line, self.junk.lines)?;
            self.junk = Junk::default();
        }
        Ok(())
    }

    fn unknown(&mut self, line: &Line<'_>) -> Result<(), Error> {
        if self.options.strict {
            let location = format!("{}:{}", self.source, line.number);
            return Err(Error::input(
                location,
                format!("unexpected line {}", quote(line.text)),
            ));
        }
        self.report_unknown(line.number, 1)
    }

    fn report_unknown(&mut self, first_line: u64, lines: u64) -> Result<(), Error> {
        if self.options.strict {
            let location = format!("{}:{}", self.source, first_line);
            return Err(Error::input(location, "unexpected line"));
        }
        self.stats.unknown_lines += lines;
        if self.stats.unknown_at.len() < UNKNOWN_SHOWN {
            self.stats
                .unknown_at
                .push(format!("{}:{}", self.source, first_line));
        }
        Ok(())
    }

    /// Opens a new snapshot starting at `line`.
    fn open(&mut self, line: &Line<'_>) {
        self.snap.clear();
        self.snap.index = self.next_index;
        self.snap.line = line.number;
        self.next_index += 1;
        self.counted = 0;
        self.cut = false;
        self.junk = Junk::default();
        self.keep(line);
    }

    /// Adds `line` to the open snapshot's original bytes, if they are kept.
    fn keep(&mut self, line: &Line<'_>) {
        if self.options.keep_raw {
            self.snap.raw.extend_from_slice(line.raw);
        }
    }

    fn end_record(&mut self) -> Result<(), Error> {
        if !self.record.open {
            return Ok(());
        }
        self.record.open = false;
        let (stack, truncated) = match self.options.detail {
            Detail::Counts => (StackId::EMPTY, false),
            Detail::Stacks => {
                let resolved = self.cache.resolve(self.record.block(), &mut self.interner);
                if resolved.bad_frames > 0 {
                    let first = self.record.first_frame_line + u64::from(resolved.first_bad);
                    self.report_unknown(first, u64::from(resolved.bad_frames))?;
                }
                (resolved.stack, resolved.truncated)
            }
        };
        let labels = std::mem::take(&mut self.record.labels);
        self.snap
            .push_record(self.record.count, stack, truncated, &labels);
        self.record.labels = labels;
        Ok(())
    }

    /// Ends the open snapshot, if any, with the status its content earned.
    fn finish(&mut self, consumer: &mut impl Consumer) -> Result<(), Error> {
        let status = match self.state {
            State::Idle => return Ok(()),
            State::Pending if self.junk.lines > 0 => {
                self.snap.error = Some(std::mem::take(&mut self.junk.message));
                Status::Error
            }
            State::Pending => Status::Missing,
            State::Count => {
                self.end_record()?;
                if Some(self.counted) == self.snap.total && !self.cut {
                    Status::Complete
                } else {
                    Status::Partial
                }
            }
            State::ErrorBody => Status::Error,
        };
        self.emit(status, consumer)
    }

    fn emit(&mut self, status: Status, consumer: &mut impl Consumer) -> Result<(), Error> {
        self.snap.status = status;
        self.stats.by_status[status as usize] += 1;
        self.state = State::Idle;
        self.junk = Junk::default();
        consumer.snapshot(&self.snap, &self.interner)
    }
}

/// The first 200 bytes of a server's message, as text.
fn lossy_message(text: &[u8]) -> String {
    let text = text.trim_ascii();
    String::from_utf8_lossy(&text[..text.len().min(200)]).into_owned()
}

#[cfg(test)]
mod tests;
