//! The pipeline: sources → lines → events → snapshots → one consumer.
//!
//! Reads each source in order through one [`LineReader`] (its reading on a
//! thread of its own), hands every line to one [`Assembler`], and lets the
//! consumer flush before each wait for input, so live output appears as soon
//! as a snapshot is complete.

use std::io::{self, Read};

use crate::assemble::{Assembler, Consumer, Options};
use crate::error::Error;
use crate::input::Source;
use crate::input::line::{LineReader, LineTooLong};

/// Reads `sources` in order into `consumer`, then calls its
/// [`finish`](Consumer::finish); returns the assembler, which holds the
/// interned stacks and the statistics.
pub fn run(
    sources: &[Source],
    options: Options,
    consumer: &mut impl Consumer,
) -> Result<Assembler, Error> {
    let mut assembler = Assembler::new(options);
    for source in sources {
        if !consumer.wants_more() {
            break;
        }
        let name = source.name();
        let lines = source
            .open()
            .and_then(LineReader::prefetched)
            .map_err(|e| Error::input(&name, io_message(&e)))?;
        feed_lines(lines, &name, &mut assembler, consumer)?;
    }
    consumer.finish(assembler.interner())?;
    Ok(assembler)
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

fn read_error(error: io::Error, name: &str) -> Error {
    if let Some(long) = error
        .get_ref()
        .and_then(|e| e.downcast_ref::<LineTooLong>())
    {
        return Error::input(format!("{name}:{}", long.number), long.to_string());
    }
    Error::input(name, io_message(&error))
}

/// `No such file or directory`, without Rust's ` (os error 2)`.
fn io_message(error: &io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}
