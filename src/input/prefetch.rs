//! Reading on the second core: a thread reads the input into chunks that end
//! at a line boundary, while the caller parses the chunk before.
//!
//! The kernel's copy from the page cache (or the pipe) is a third of the time
//! of a fast parse; on its own thread it overlaps the parsing. Each chunk
//! holds whole lines only (the partial last line moves to the next chunk,
//! inside the reading thread), so the parser never copies a byte. Buffers go
//! back to the thread to be reused: two or three are alive at any time. A
//! chunk is sent as soon as a read ended a line, so live input stays live.

use std::io::{self, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use super::interrupt;

/// How often a wait for input looks whether a signal ended it.
const INTERRUPT_POLL: Duration = Duration::from_millis(50);

/// A chunk of whole lines (the last chunk may end without a newline), or the
/// end of input, or an error; `TooLong` carries no line number: the reader of
/// the chunks counts lines.
pub enum Chunk {
    /// Bytes holding whole lines, and where each of their newlines is.
    Lines {
        /// The bytes.
        data: Vec<u8>,
        /// The offset of every `\n` in `data`, in order.
        ends: Vec<u32>,
    },
    /// A line longer than the limit started after the lines sent so far.
    TooLong,
    /// Reading failed.
    Failed(io::Error),
}

/// The receiving end of the reading thread.
pub struct Prefetch {
    chunks: Receiver<Chunk>,
    spare: SyncSender<(Vec<u8>, Vec<u32>)>,
    thread: Option<JoinHandle<()>>,
}

impl Prefetch {
    /// Starts a thread reading `source` in reads of `capacity` bytes, with
    /// lines of at most `max_line` bytes. The channel end means end of input.
    pub fn spawn(
        source: Box<dyn Read + Send>,
        capacity: usize,
        max_line: usize,
    ) -> io::Result<Prefetch> {
        let (chunk_tx, chunks) = mpsc::sync_channel(2);
        let (spare, spare_rx) = mpsc::sync_channel(4);
        let thread = thread::Builder::new()
            .name("read".into())
            .spawn(move || read_chunks(source, capacity, max_line, &chunk_tx, &spare_rx))?;
        Ok(Prefetch {
            chunks,
            spare,
            thread: Some(thread),
        })
    }

    /// The next chunk if one is waiting, without blocking.
    pub fn try_next(&self) -> Option<Option<Chunk>> {
        if interrupt::requested() {
            return Some(None);
        }
        match self.chunks.try_recv() {
            Ok(chunk) => Some(Some(chunk)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(None),
        }
    }

    /// The next chunk, waiting for it; `None` at end of input, or once a
    /// signal asked the input to end ([`interrupt`]).
    pub fn next(&self) -> Option<Chunk> {
        loop {
            if interrupt::requested() {
                return None;
            }
            match self.chunks.recv_timeout(INTERRUPT_POLL) {
                Ok(chunk) => return Some(chunk),
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return None,
            }
        }
    }

    /// Gives used buffers back to the reading thread.
    pub fn recycle(&self, data: Vec<u8>, ends: Vec<u32>) {
        let _ = self.spare.try_send((data, ends));
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // Dropping the receiver ends the thread at its next send; a thread
        // blocked reading a pipe ends with the pipe, so it is not waited for.
        if let Some(thread) = self.thread.take()
            && thread.is_finished()
        {
            let _ = thread.join();
        }
    }
}

/// The reading thread: fills buffers with whole lines and sends them.
fn read_chunks(
    mut source: Box<dyn Read + Send>,
    capacity: usize,
    max_line: usize,
    chunks: &SyncSender<Chunk>,
    spare: &Receiver<(Vec<u8>, Vec<u32>)>,
) {
    let mut carry: Vec<u8> = Vec::new();
    loop {
        // A recycled buffer keeps its length: only bytes past it are zeroed
        // when it is made longer, not the whole buffer again.
        let (mut buffer, ends) = spare.try_recv().unwrap_or_default();
        let mut filled = carry.len();
        if buffer.len() < filled {
            buffer.resize(filled, 0);
        }
        buffer[..filled].copy_from_slice(&carry);
        carry.clear();
        let chunk = match fill_lines(&mut source, &mut buffer, &mut filled, capacity, max_line) {
            Ok(true) => {
                let cut = memchr::memrchr(b'\n', &buffer[..filled]).map_or(0, |i| i + 1);
                carry.extend_from_slice(&buffer[cut..filled]);
                buffer.truncate(cut);
                lines(buffer, ends)
            }
            Ok(false) if filled == 0 => return,
            Ok(false) => {
                buffer.truncate(filled);
                lines(buffer, ends)
            }
            Err(e) if e.kind() == io::ErrorKind::InvalidData => Chunk::TooLong,
            Err(e) => Chunk::Failed(e),
        };
        let last = !matches!(chunk, Chunk::Lines { .. });
        if chunks.send(chunk).is_err() || last {
            return;
        }
    }
}

/// A chunk of `data` with the positions of its newlines, found here on the
/// reading thread so that the parsing thread need not search for them.
fn lines(data: Vec<u8>, mut ends: Vec<u32>) -> Chunk {
    ends.clear();
    ends.extend(memchr::memchr_iter(b'\n', &data).map(|i| i as u32));
    Chunk::Lines { data, ends }
}

/// Reads into `buffer` after its first `filled` bytes until they hold a
/// newline: `Ok(true)`; `Ok(false)` at end of input (with what is left);
/// `InvalidData` when no newline comes within `max_line` bytes.
fn fill_lines(
    source: &mut dyn Read,
    buffer: &mut Vec<u8>,
    filled: &mut usize,
    capacity: usize,
    max_line: usize,
) -> io::Result<bool> {
    let mut searched = 0;
    loop {
        if memchr::memchr(b'\n', &buffer[searched..*filled]).is_some() {
            return Ok(true);
        }
        searched = *filled;
        if *filled >= max_line {
            return Err(io::ErrorKind::InvalidData.into());
        }
        let end = *filled + capacity.min(max_line - *filled).max(1);
        if buffer.len() < end {
            buffer.resize(end, 0);
        }
        let n = loop {
            match source.read(&mut buffer[*filled..end]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other?,
            }
        };
        if n == 0 {
            return Ok(false);
        }
        *filled += n;
    }
}
