//! The pipeline: sources → lines → events → snapshots → one consumer.
//!
//! Reads each source in order through one [`LineReader`] (its reading on a
//! thread of its own), hands every line to one [`Assembler`], and lets the
//! consumer flush before each wait for input, so live output appears as soon
//! as a snapshot is complete. Each source is sniffed first (`gzip::sniff`): a
//! gzip'd log is read decompressed; gzip members among the lines (a `.pb.gz`,
//! or a gathering loop without `?debug=1`) and raw `profile.proto` files are
//! binary segments (`binary`), decoded into snapshots of their own.

use std::io::{self, Read};

use crate::assemble::{Assembler, Consumer, Options};
use crate::error::{Error, io_message};
use crate::input::gzip::{self, Sniffed};
use crate::input::line::{LineReader, LineTooLong};
use crate::input::{Source, interrupt};

mod binary;

/// Reads `sources` in order into `consumer`, then calls its
/// [`finish`](Consumer::finish); returns the assembler, which holds the
/// interned stacks and the statistics. A source that cannot be opened is
/// listed in [`Stats::unreadable`](crate::assemble::Stats::unreadable) and
/// the others are read.
pub fn run(
    sources: &[Source],
    options: Options,
    consumer: &mut impl Consumer,
) -> Result<Assembler, Error> {
    let mut assembler = Assembler::new(options);
    for source in sources {
        if !consumer.wants_more() || interrupt::requested() {
            break;
        }
        let name = source.name();
        let reader = match source.open() {
            Ok(reader) => reader,
            // As cat does: say so, and read the others.
            Err(error) => {
                assembler.unreadable(format!("{name}: {}", io_message(&error)));
                continue;
            }
        };
        // Before sniffing, which waits for the first bytes: a live consumer
        // writes its header now.
        consumer.begin_source(&name)?;
        consumer.idle()?;
        let opened = gzip::sniff(reader).and_then(|sniffed| match sniffed {
            Sniffed::Lines(reader) => LineReader::prefetched(reader).map(Opened::Lines),
            Sniffed::Protobuf(reader) => Ok(Opened::Protobuf(reader)),
            Sniffed::Binary => Ok(Opened::Binary),
        });
        match opened {
            Ok(Opened::Lines(lines)) => feed_lines(lines, &name, &mut assembler, consumer)?,
            Ok(Opened::Protobuf(reader)) => {
                binary::whole(reader, &name, &mut assembler, consumer)?;
            }
            Ok(Opened::Binary) => {
                assembler.begin_source(&name);
                assembler.not_a_profile(binary::not_a_profile(0, ""), 0, consumer)?;
                assembler.end_source(consumer)?;
            }
            Err(error) => assembler.unreadable(format!("{name}: {}", io_message(&error))),
        }
    }
    consumer.finish(assembler.interner())?;
    Ok(assembler)
}

/// A source, opened and sniffed.
enum Opened {
    Lines(LineReader<io::Empty>),
    Protobuf(Box<dyn Read + Send>),
    Binary,
}

/// Reads one source, named `name` in messages, into `assembler`.
pub fn feed<R: Read>(
    reader: R,
    name: &str,
    assembler: &mut Assembler,
    consumer: &mut impl Consumer,
) -> Result<(), Error> {
    feed_lines(LineReader::new(reader), name, assembler, consumer)
}

/// Like [`feed`], with a line reader of the caller's choosing (tests use tiny buffers).
pub fn feed_lines<R: Read>(
    mut lines: LineReader<R>,
    name: &str,
    assembler: &mut Assembler,
    consumer: &mut impl Consumer,
) -> Result<(), Error> {
    assembler.begin_source(name);
    loop {
        while let Some(line) = lines.next_buffered() {
            if line.raw.first() == Some(&gzip::MAGIC[0]) {
                // Maybe a gzip member: it takes the lines it needs.
                let (first, number, terminated) = (line.raw.to_vec(), line.number, line.terminated);
                binary::segment(
                    &first, number, terminated, &mut lines, name, assembler, consumer,
                )?;
                continue;
            }
            // Every text line: the hot path is as it was before binary input.
            assembler.line(line, consumer)?;
        }
        if lines.at_eof() || !consumer.wants_more() {
            break;
        }
        if !lines.ready() {
            // About to wait for input: the moment for live output.
            consumer.idle()?;
        }
        lines.fill().map_err(|e| read_error(e, name))?;
    }
    assembler.end_source(consumer)
}

/// What a failed read says: `prof.log:12: line longer than …`, or the I/O error.
pub(crate) fn read_error(error: io::Error, name: &str) -> Error {
    if let Some(long) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<LineTooLong>())
    {
        return Error::input(format!("{name}:{}", long.number), long.to_string());
    }
    Error::input(name, io_message(&error))
}
