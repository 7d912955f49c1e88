//! Events → snapshots: the state machine that assembles one snapshot at a time.
//!
//! Lines arrive one by one ([`Assembler::line`]); each is classified once and
//! either joins the open snapshot, starts a new one, or is skipped and
//! counted. A snapshot is handed to the [`Consumer`] the moment it is
//! complete (a count profile whose counts reach its header total and whose
//! last record ended), or when the next snapshot starts, or when its input
//! ends. Then it is cleared and reused: memory holds one snapshot plus the
//! interned stacks.
//!
//! This file holds the boundaries between snapshots (timestamps, headers,
//! server errors, JSON lines, unknown text); `profile` handles the debug=1
//! record profiles (count, heap, contention) and `dump` the debug=2 dumps.

mod dump;
mod prefix;
mod profile;
mod protobuf;
mod record;
mod stats;

use crate::error::{Error, quote};
use crate::input::event::{Event, classify, frame_line};
use crate::input::line::Line;
use crate::input::timestamp::Timestamp;
use crate::input::zone::TimeZone;
use crate::model::json;
use crate::model::{Interner, Snapshot, Status};
use dump::Dump;
use profile::Profile;
use record::{RecordBuilder, StackCache};
pub use stats::Stats;

/// How much of each record a consumer needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detail {
    /// Counts only: debug=1 records carry `StackId::EMPTY` and their frame
    /// lines are not parsed. (Dumps are grouped by stack, so theirs are.)
    Counts,
    /// Counts and interned stacks.
    #[default]
    Stacks,
}

/// What the assembler does besides assembling.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Options {
    /// Whether stacks are resolved. Default is [`Detail::Stacks`].
    pub detail: Detail,
    /// Keep each snapshot's original bytes in [`Snapshot::raw`]. Default is `false`.
    pub keep_raw: bool,
    /// Make an unknown line an error instead of skipping it. Default is `false`.
    pub strict: bool,
    /// Read times without an offset (or with a zone name) in this zone
    /// (`--tz`). Default is none: they keep their wall clock only.
    pub tz: Option<TimeZone>,
}

/// Receives each snapshot as soon as it is assembled.
pub trait Consumer {
    /// Called once per snapshot, in input order. The snapshot is reused after
    /// the call returns: keep what you need, not the reference.
    fn snapshot(&mut self, snapshot: &Snapshot, interner: &Interner) -> Result<(), Error>;

    /// Called when an input named `name` (`prof.log`, `<stdin>`) was opened,
    /// before its first line: nothing is written before an input could be
    /// read. The default does nothing.
    fn begin_source(&mut self, name: &str) -> Result<(), Error> {
        let _ = name;
        Ok(())
    }

    /// Called before the pipeline waits for more input: the moment to flush
    /// live output. The default does nothing.
    fn idle(&mut self) -> Result<(), Error> {
        Ok(())
    }

    /// Called once after the last snapshot of the last input (also when
    /// [`wants_more`](Self::wants_more) ended the reading early): the moment
    /// to write what waited for the end of input and to flush. The default
    /// does nothing.
    fn finish(&mut self, interner: &Interner) -> Result<(), Error> {
        let _ = interner;
        Ok(())
    }

    /// False once the consumer needs nothing more (`--first N`): the
    /// pipeline then stops reading. The default is always true.
    fn wants_more(&self) -> bool {
        true
    }
}

/// Where the assembler is, with what it keeps while there.
enum State {
    /// No snapshot is open.
    Idle,
    /// A timestamp was read; its profile has not started.
    Pending(Junk),
    /// Inside a debug=1 profile of records (count, heap or contention).
    Records(Profile),
    /// Inside a debug=2 dump of goroutines.
    Dump(Dump),
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
    /// The buffers of the last profile's record and of the last dump, for
    /// the next ones.
    spare_record: RecordBuilder,
    spare_dump: Dump,
    snap: Snapshot,
    state: State,
    next_index: u64,
    /// The shape of the logger prefix on every line of the dump being read.
    /// Not part of the state: the stretch of prefixed lines may hold several
    /// snapshots, and ends only at a line without the prefix.
    logger_prefix: Option<Vec<u8>>,
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
            spare_record: RecordBuilder::default(),
            spare_dump: Dump::default(),
            snap: Snapshot::default(),
            state: State::Idle,
            next_index: 0,
            logger_prefix: None,
            source: String::new(),
            stats: Stats::default(),
        }
    }

    /// Frees what only reading needs (the record cache, up to
    /// `CACHE_BYTES`): for outputs that, once the input ended,
    /// need the interned stacks alone.
    pub fn release_caches(&mut self) {
        self.cache = StackCache::with_limit(0);
    }

    /// The interned frames and stacks seen so far.
    pub fn interner(&self) -> &Interner {
        &self.interner
    }

    /// What was seen so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Notes an input that could not be opened, with why (`missing.log: No such file or directory`).
    pub fn unreadable(&mut self, message: String) {
        self.stats.unreadable.push(message);
    }

    /// Names the input whose lines follow, for error messages (`prof.log`, `<stdin>`).
    pub fn begin_source(&mut self, name: &str) {
        self.stats.inputs += 1;
        self.source.clear();
        self.source.push_str(name);
    }

    /// Ends the current input: a snapshot never spans two inputs.
    pub fn end_source(&mut self, consumer: &mut impl Consumer) -> Result<(), Error> {
        self.finish(consumer)
    }

    /// Takes one line.
    #[inline]
    pub fn line(&mut self, line: Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        if let Some(shape) = &self.logger_prefix {
            // Inside a dump whose every line a logger prefixed: strip it.
            match prefix::strip(line.text, shape) {
                Some(at) => {
                    return self.unprefixed(
                        Line {
                            text: &line.text[at..],
                            ..line
                        },
                        consumer,
                    );
                }
                None => self.logger_prefix = None,
            }
        }
        self.unprefixed(line, consumer)
    }

    fn unprefixed(&mut self, line: Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        if let State::Records(profile) = &mut self.state
            && profile.in_record()
            && line.terminated
            && let Some(text) = frame_line(line.text)
            && !ends_like_an_offset(line.text)
        {
            // Most lines of a debug=1 log: a frame line inside a record.
            if self.options.keep_raw {
                self.snap.raw.extend_from_slice(line.raw);
            }
            profile.push_frame(text, self.options.detail == Detail::Stacks);
            return Ok(());
        }
        if let Some(at) = Timestamp::find_glued(line.text) {
            return self.glued_line(line, at, consumer);
        }
        let event = classify(line.text);
        if matches!(self.state, State::ErrorBody) && !starts_snapshot(&event) {
            self.keep(&line);
            return Ok(());
        }
        if is_cut(&line) && matches!(self.state, State::Records(_) | State::Dump(_)) {
            // The input ends inside this line: the snapshot was cut off, and
            // a line that no longer reads as anything is the cut itself.
            self.mark_cut();
            if event == Event::Unknown {
                self.keep(&line);
                return Ok(());
            }
        }
        match event {
            Event::Timestamp(time) => self.on_timestamp(time, &line, consumer),
            Event::ServerError { message, multiline } => {
                self.on_server_error(message, multiline, &line, consumer)
            }
            Event::Json(text) => self.on_json(text, &line, consumer),
            Event::Unknown => match prefix::find(line.text) {
                Some(at) => {
                    self.logger_prefix = Some(prefix::shape(&line.text[..at]));
                    self.unprefixed(
                        Line {
                            text: &line.text[at..],
                            ..line
                        },
                        consumer,
                    )
                }
                None => match prefix::find_profile_header(line.text) {
                    Some(at) => self.prefixed_header(line, at, consumer),
                    None => self.on_unknown(&line),
                },
            },
            Event::Blank => self.on_blank(&line, consumer),
            Event::GoroutineHeader(_)
            | Event::Call(_)
            | Event::Place { .. }
            | Event::CreatedBy(_)
            | Event::Elided
            | Event::Ancestor
            | Event::StackUnavailable => self.on_dump_line(event, &line, consumer),
            _ => self.on_profile_line(event, &line, consumer),
        }
    }

    /// A line whose end was cut off and followed, on the same line, by a
    /// timestamp: two lines, the first without its newline.
    fn glued_line(
        &mut self,
        line: Line<'_>,
        at: usize,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        let (cut, rest) = split_line(line, at);
        self.unprefixed(cut, consumer)?;
        self.mark_cut();
        self.unprefixed(rest, consumer)
    }

    /// A profile header after a logger's prefix: a snapshot starts, at the
    /// prefix's time if it gives one.
    fn prefixed_header(
        &mut self,
        line: Line<'_>,
        at: usize,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        let (stamp, header) = split_line(line, at);
        match prefix::timestamp(stamp.text) {
            Some(time) => {
                self.on_timestamp(time, &stamp, consumer)?;
                self.unprefixed(header, consumer)
            }
            // The prefix stays in the snapshot's original bytes.
            None => self.unprefixed(
                Line {
                    raw: line.raw,
                    ..header
                },
                consumer,
            ),
        }
    }

    fn on_timestamp(
        &mut self,
        time: Timestamp,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        self.finish(consumer)?;
        self.open(line);
        self.snap.time = Some(match &self.options.tz {
            Some(tz) => tz.resolve(time),
            None => time,
        });
        self.snap.time_raw = String::from_utf8_lossy(line.text.trim_ascii()).into_owned();
        self.state = State::Pending(Junk::default());
        Ok(())
    }

    fn on_blank(&mut self, line: &Line<'_>, consumer: &mut impl Consumer) -> Result<(), Error> {
        match self.state {
            State::Idle => Ok(()),
            State::Pending(_) | State::ErrorBody => {
                self.keep(line);
                Ok(())
            }
            State::Records(_) => self.profile_blank(line, consumer),
            State::Dump(_) => {
                self.keep(line);
                self.end_goroutine();
                Ok(())
            }
        }
    }

    /// Makes room for a new profile at `line`: continues the pending
    /// timestamp's snapshot, or ends the open one and opens another.
    fn begin_profile(
        &mut self,
        line: &Line<'_>,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        if matches!(self.state, State::Pending(_)) {
            self.junk_was_unknown()?;
            self.keep(line);
            return Ok(());
        }
        self.finish(consumer)?;
        self.open(line);
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
            State::Records(_) | State::Dump(_) | State::ErrorBody => return self.unknown(line),
            State::Idle => self.open(line),
            State::Pending(_) => self.keep(line),
        }
        self.junk_was_unknown()?;
        self.snap.error = Some(lossy_message(message));
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
                self.emit(status, consumer)
            }
            Err(_) => {
                self.snap.clear();
                self.unknown(line)
            }
        }
    }

    fn on_unknown(&mut self, line: &Line<'_>) -> Result<(), Error> {
        let State::Pending(junk) = &mut self.state else {
            return self.unknown(line);
        };
        if junk.lines == 0 {
            junk.first_line = line.number;
            junk.message = lossy_message(line.text);
        }
        junk.lines += 1;
        self.keep(line);
        Ok(())
    }

    /// Text after a timestamp turned out to precede a profile: it was junk after all.
    fn junk_was_unknown(&mut self) -> Result<(), Error> {
        if let State::Pending(junk) = &mut self.state
            && junk.lines > 0
        {
            let Junk {
                first_line, lines, ..
            } = std::mem::take(junk);
            self.report_unknown(first_line, lines)?;
        }
        Ok(())
    }

    /// Marks the open profile or dump as cut off (a line without its end).
    fn mark_cut(&mut self) {
        match &mut self.state {
            State::Records(profile) => profile.cut = true,
            State::Dump(dump) => dump.cut = true,
            State::Idle | State::Pending(_) | State::ErrorBody => {}
        }
    }

    /// Skips and counts `line`, or fails with `--strict`.
    fn unknown(&mut self, line: &Line<'_>) -> Result<(), Error> {
        if self.options.strict {
            let location = format!("{}:{}", self.source, line.number);
            if crate::input::gzip::is_binary(line.text) {
                // Quoting binary data helps nobody.
                return Err(Error::input(
                    location,
                    "not a Go profile (binary data; gzip? protobuf?)",
                ));
            }
            return Err(Error::input(
                location,
                format!("unexpected line {}", quote(line.text)),
            ));
        }
        self.report_unknown(line.number, 1)
    }

    fn report_unknown(&mut self, first_line: u64, lines: u64) -> Result<(), Error> {
        let location = || format!("{}:{}", self.source, first_line);
        if self.options.strict {
            return Err(Error::input(location(), "unexpected line"));
        }
        self.stats.add_unknown(location, lines);
        Ok(())
    }

    /// Opens a new snapshot starting at `line`.
    fn open(&mut self, line: &Line<'_>) {
        self.snap.clear();
        self.snap.index = self.next_index;
        self.snap.line = line.number;
        self.next_index += 1;
        self.keep(line);
    }

    /// Adds `line` to the open snapshot's original bytes, if they are kept.
    fn keep(&mut self, line: &Line<'_>) {
        if self.options.keep_raw {
            self.snap.raw.extend_from_slice(line.raw);
        }
    }

    /// Ends the open snapshot, if any, with the status its content earned.
    fn finish(&mut self, consumer: &mut impl Consumer) -> Result<(), Error> {
        let status = match &mut self.state {
            State::Idle => return Ok(()),
            State::Pending(junk) if junk.lines > 0 => {
                self.snap.error = Some(std::mem::take(&mut junk.message));
                Status::Error
            }
            State::Pending(_) => Status::Missing,
            State::Records(_) => self.profile_status(),
            State::Dump(_) => self.dump_status(),
            State::ErrorBody => Status::Error,
        };
        self.emit(status, consumer)
    }

    /// Hands the open snapshot on with `status`; no snapshot is open after.
    fn emit(&mut self, status: Status, consumer: &mut impl Consumer) -> Result<(), Error> {
        self.snap.status = status;
        self.stats.by_status[status as usize] += 1;
        match std::mem::replace(&mut self.state, State::Idle) {
            State::Records(profile) => self.spare_record = profile.into_record(),
            State::Dump(dump) => self.spare_dump = dump,
            State::Idle | State::Pending(_) | State::ErrorBody => {}
        }
        consumer.snapshot(&self.snap, &self.interner)
    }
}

/// A frame line that ends like `+05:30` may be a cut line with an RFC 3339
/// timestamp glued to it: such a line takes the slow path, which looks for
/// one. (A glued `date` line does not end like a frame line at all.)
#[inline]
fn ends_like_an_offset(text: &[u8]) -> bool {
    let n = text.len();
    n >= 9 && text[n - 3] == b':' && matches!(text[n - 6], b'+' | b'-')
}

/// True for the events that end an HTML error body.
/// `line` as two lines at byte `at` of its text, the first without its
/// newline. The text may start after a logger's prefix: the raw bytes are
/// split at the same byte (the text is a part of the raw bytes).
fn split_line(line: Line<'_>, at: usize) -> (Line<'_>, Line<'_>) {
    let skipped = line.text.as_ptr() as usize - line.raw.as_ptr() as usize;
    let first = Line {
        text: &line.text[..at],
        raw: &line.raw[..skipped + at],
        terminated: false,
        ..line
    };
    let rest = Line {
        text: &line.text[at..],
        raw: &line.raw[skipped + at..],
        ..line
    };
    (first, rest)
}

/// True when the input ended inside `line`: it has no newline, and it is
/// neither blank nor ended by the `\r` of a CRLF file (whose last `\n`
/// alone is missing, as when a Windows tool saved it).
fn is_cut(line: &Line<'_>) -> bool {
    !line.terminated && !line.raw.ends_with(b"\r") && !line.text.trim_ascii().is_empty()
}

fn starts_snapshot(event: &Event<'_>) -> bool {
    matches!(
        event,
        Event::Timestamp(_)
            | Event::CountHeader { .. }
            | Event::HeapHeader { .. }
            | Event::ContentionHeader { .. }
            | Event::GoroutineHeader(_)
            | Event::Json(_)
    )
}

/// The first 200 bytes of a server's message, as text.
fn lossy_message(text: &[u8]) -> String {
    let text = text.trim_ascii();
    String::from_utf8_lossy(&text[..text.len().min(200)]).into_owned()
}

#[cfg(test)]
mod tests;
