//! Binary segments: gzip members among a source's lines, and whole raw
//! `profile.proto` files.
//!
//! A line that starts with gzip's magic bytes opens a segment; its bytes, and
//! those of the lines after it, go into one [`Member`] until the member ends
//! (the rest of that line is a line again, usually the next `date`). The
//! member is decoded as a `profile.proto` into a snapshot. A member that is
//! corrupt, too large or cut off is one clear message with its line and byte
//! offset (counted from the start of that line; in a whole file, of the file),
//! and the lines up to the next timestamp are skipped with it: never bytes
//! quoted as text, and nothing after them lost.

use std::io::Read;

use crate::input::line::LineReader;

use crate::assemble::{Assembler, Consumer};
use crate::error::Error;
use crate::input::gzip::{self, MAGIC, Member, Progress};
use crate::input::line::Line;
use crate::input::pprof;
use crate::input::timestamp::Timestamp;

/// A line starting with 0x1f, `first` (line `number`): a gzip member, fed
/// by the lines after it from `lines` until it ends (the rest of its last
/// line is a line again), or a text line after all.
#[inline(never)]
pub fn segment<R: Read>(
    first: &[u8],
    number: u64,
    terminated: bool,
    lines: &mut LineReader<R>,
    name: &str,
    assembler: &mut Assembler,
    consumer: &mut impl Consumer,
) -> Result<(), Error> {
    let mut segment = Segment::default();
    let line = Line {
        text: &[],
        raw: first,
        number,
        terminated,
    };
    segment.line(line, 0, assembler, consumer)?;
    while !segment.is_idle() {
        while let Some(line) = lines.next_buffered() {
            segment.line(line, 0, assembler, consumer)?;
            if segment.is_idle() {
                return Ok(());
            }
        }
        if lines.at_eof() || !consumer.wants_more() {
            break;
        }
        if !lines.ready() {
            consumer.idle()?;
        }
        lines.fill().map_err(|e| super::read_error(e, name))?;
    }
    segment.end(assembler, consumer)
}

/// The message for binary data at `offset` that is not a profile.
pub fn not_a_profile(offset: u64, why: &str) -> String {
    let mut message = format!("not a Go profile (binary data; gzip? protobuf?) at byte {offset}");
    if !why.is_empty() {
        message.push_str(": ");
        message.push_str(why);
    }
    message
}

/// Where a source is with its binary data.
#[derive(Default)]
pub enum Segment {
    /// Between segments: lines are text.
    #[default]
    Idle,
    /// Inside a gzip member that began at `offset`, on line `line`.
    Member {
        member: Box<Member>,
        offset: u64,
        line: u64,
    },
    /// After a bad member: lines are skipped up to the next timestamp.
    Skipping,
}

impl Segment {
    /// True between segments.
    #[inline]
    pub fn is_idle(&self) -> bool {
        matches!(self, Segment::Idle)
    }

    /// Takes `line`, which starts at byte `offset` of the segment. Out of
    /// line: the text hot path only tests a byte and calls it rarely.
    #[cold]
    #[inline(never)]
    pub fn line(
        &mut self,
        line: Line<'_>,
        offset: u64,
        assembler: &mut Assembler,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        let mut raw = line.raw;
        let mut offset = offset;
        loop {
            match self {
                Segment::Idle if raw.starts_with(&MAGIC) => {
                    *self = Segment::Member {
                        member: Box::default(),
                        offset,
                        line: line.number,
                    };
                }
                Segment::Idle => {
                    let line = rest_of(line, raw);
                    return text_line(assembler, line, consumer);
                }
                Segment::Skipping => {
                    let text = rest_of(line, raw).text;
                    if raw.starts_with(&MAGIC) || Timestamp::parse(text).is_some() {
                        *self = Segment::Idle;
                        continue;
                    }
                    let Some(at) = Timestamp::find_glued(text) else {
                        return Ok(());
                    };
                    *self = Segment::Idle;
                    raw = &raw[at..];
                    offset += at as u64;
                }
                Segment::Member { member, .. } => match member.push(raw) {
                    Ok(Progress::More) => return Ok(()),
                    Ok(Progress::Done { used }) => {
                        self.decode(assembler, consumer)?;
                        if used == raw.len() {
                            return Ok(());
                        }
                        raw = &raw[used..];
                        offset += used as u64;
                    }
                    Err(error) => {
                        let Segment::Member {
                            member,
                            offset: start,
                            line: at,
                        } = std::mem::replace(self, Segment::Skipping)
                        else {
                            unreachable!("matched above")
                        };
                        let message = not_a_profile(start + error.offset as u64, &error.message);
                        assembler.not_a_profile(message, at, consumer)?;
                        return self.recover(&member.raw, at, assembler, consumer);
                    }
                },
            }
        }
    }

    /// The input ended: a member still open was cut off.
    pub fn end(
        &mut self,
        assembler: &mut Assembler,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        if let Segment::Member {
            member,
            offset,
            line,
        } = std::mem::take(self)
        {
            let at = offset + member.raw.len() as u64;
            let message = not_a_profile(at, "gzip member cut off by the end of the input");
            assembler.not_a_profile(message, line, consumer)?;
            *self = Segment::Skipping;
            self.recover(&member.raw, line, assembler, consumer)?;
            *self = Segment::Idle;
        }
        Ok(())
    }

    /// A member that went wrong may have swallowed the lines after it (a
    /// member cut off, then the next `date` line): from the first timestamp
    /// in its bytes on, they are lines again. `raw` began on line `line`.
    fn recover(
        &mut self,
        raw: &[u8],
        line: u64,
        assembler: &mut Assembler,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        let body = &raw[raw.len().min(MAGIC.len())..];
        for (number, piece) in (line..).zip(body.split_inclusive(|&b| b == b'\n')) {
            let terminated = piece.ends_with(b"\n");
            let line = Line {
                text: &[],
                raw: piece,
                number,
                terminated,
            };
            self.line(rest_of(line, piece), 0, assembler, consumer)?;
        }
        Ok(())
    }

    /// Decodes the member that just ended.
    fn decode(
        &mut self,
        assembler: &mut Assembler,
        consumer: &mut impl Consumer,
    ) -> Result<(), Error> {
        let Segment::Member {
            member,
            offset,
            line,
        } = std::mem::take(self)
        else {
            return Ok(());
        };
        match pprof::decode(&member.out) {
            Ok(profile) => assembler.protobuf(&profile, &member.raw, line, consumer),
            Err(why) => assembler.not_a_profile(not_a_profile(offset, &why), line, consumer),
        }
    }
}

/// A text line met on the binary path. Not inlined, so that the text hot
/// path in `pipeline::feed_lines` stays the one place `Assembler::line` is
/// inlined into (a second inlined copy cost pp-totals 10% in bench/ab).
#[inline(never)]
fn text_line(
    assembler: &mut Assembler,
    line: Line<'_>,
    consumer: &mut impl Consumer,
) -> Result<(), Error> {
    assembler.line(line, consumer)
}

/// The line made of `raw`, the end of `line`'s bytes.
fn rest_of<'a>(line: Line<'a>, raw: &'a [u8]) -> Line<'a> {
    let mut text = raw;
    if line.terminated {
        text = text.strip_suffix(b"\n").unwrap_or(text);
        text = text.strip_suffix(b"\r").unwrap_or(text);
    }
    Line { text, raw, ..line }
}

/// Reads a whole raw `profile.proto` (at most `gzip::MAX_DECOMPRESSED` bytes) as one snapshot.
pub fn whole(
    reader: Box<dyn Read + Send>,
    name: &str,
    assembler: &mut Assembler,
    consumer: &mut impl Consumer,
) -> Result<(), Error> {
    assembler.begin_source(name);
    let mut bytes = Vec::new();
    let limit = gzip::MAX_DECOMPRESSED as u64;
    reader
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(name, e.to_string()))?;
    if bytes.len() as u64 > limit {
        let message = not_a_profile(limit, "larger than 512 MiB");
        assembler.not_a_profile(message, 0, consumer)?;
    } else {
        match pprof::decode(&bytes) {
            Ok(profile) => assembler.protobuf(&profile, &bytes, 1, consumer)?,
            Err(why) => assembler.not_a_profile(not_a_profile(0, &why), 0, consumer)?,
        }
    }
    assembler.end_source(consumer)
}
