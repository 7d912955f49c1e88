//! A streaming line reader over any `io::Read`, in the style of ripgrep's line buffer.
//!
//! One growable byte buffer; lines are found with `memchr` and handed out as
//! slices of it, without a copy. When the buffer holds no complete line, the
//! partial line is rolled to the front and the buffer is refilled with one
//! `read` call, so lines from a pipe are handed on as soon as they arrive.
//! Assumes nothing about encoding: lines are bytes. `\r\n` and a missing final
//! newline are handled; a line longer than the limit is an error, so memory
//! never grows without bound.

use std::io::{self, Read};

use super::prefetch::{Chunk, Prefetch};

/// Default size of the read buffer (and of each `read` call).
pub const DEFAULT_CAPACITY: usize = 256 * 1024;
/// Default limit on the length of one line: a pp-split JSON line holds a whole
/// snapshot, so this is generous; binary garbage without newlines stops here.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024 * 1024;

/// One line handed out by [`LineReader`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line without its terminator (`\n` or `\r\n`).
    pub text: &'a [u8],
    /// The line with its terminator, exactly as read.
    pub raw: &'a [u8],
    /// 1-based line number within this reader's input.
    pub number: u64,
    /// False only for a last line that ended without a newline.
    pub terminated: bool,
}

/// A line longer than the reader's limit.
#[derive(Debug)]
pub struct LineTooLong {
    /// Line number of the long line.
    pub number: u64,
    /// The limit that was exceeded.
    pub limit: usize,
}

/// Where a [`LineReader`]'s bytes come from.
enum Feed<R> {
    /// `read` calls into the reader's own buffer.
    Read(R),
    /// Chunks of whole lines from a reading thread; a chunk that arrived
    /// while the reader looked ahead waits in `pending`.
    Chunks {
        prefetch: Prefetch,
        pending: Option<Option<Chunk>>,
    },
}

/// Reads lines from `R` into one reusable buffer.
pub struct LineReader<R> {
    feed: Feed<R>,
    /// Chunks come with their newlines found: `ends` holds their positions,
    /// `next_end` the next one to hand out.
    chunked: bool,
    ends: Vec<u32>,
    next_end: usize,
    buf: Vec<u8>,
    /// Start of the bytes not yet handed out.
    pos: usize,
    /// End of the valid bytes in `buf`.
    end: usize,
    /// Where to resume the newline search in `buf[pos..end]` (avoids rescans).
    searched: usize,
    eof: bool,
    number: u64,
    capacity: usize,
    max_line: usize,
}

impl LineReader<io::Empty> {
    /// A reader of `source` whose reading happens on a thread of its own
    /// (see `Prefetch`), with the default buffer size and line limit.
    pub fn prefetched(source: Box<dyn Read + Send>) -> io::Result<LineReader<io::Empty>> {
        LineReader::prefetched_with(source, DEFAULT_CAPACITY, DEFAULT_MAX_LINE)
    }

    /// Like [`prefetched`](Self::prefetched), with reads of at most
    /// `capacity` bytes and lines of at most `max_line` bytes.
    pub fn prefetched_with(
        source: Box<dyn Read + Send>,
        capacity: usize,
        max_line: usize,
    ) -> io::Result<LineReader<io::Empty>> {
        let max_line = max_line.max(1);
        let prefetch = Prefetch::spawn(source, capacity.clamp(1, max_line), max_line)?;
        let mut reader = LineReader::with_capacity(io::empty(), capacity, max_line);
        reader.buf = Vec::new();
        reader.chunked = true;
        reader.feed = Feed::Chunks {
            prefetch,
            pending: None,
        };
        Ok(reader)
    }
}

impl<R: Read> LineReader<R> {
    /// A reader with the default buffer size and line limit.
    pub fn new(source: R) -> LineReader<R> {
        LineReader::with_capacity(source, DEFAULT_CAPACITY, DEFAULT_MAX_LINE)
    }

    /// A reader whose reads are at most `capacity` bytes (at least 1, at most
    /// `max_line`) and whose lines, with their newline, may be at most
    /// `max_line` bytes long.
    pub fn with_capacity(source: R, capacity: usize, max_line: usize) -> LineReader<R> {
        let max_line = max_line.max(1);
        let capacity = capacity.clamp(1, max_line);
        LineReader {
            feed: Feed::Read(source),
            chunked: false,
            ends: Vec::new(),
            next_end: 0,
            buf: vec![0; capacity],
            pos: 0,
            end: 0,
            searched: 0,
            eof: false,
            number: 0,
            capacity,
            max_line,
        }
    }

    /// True when more input is ready, so that filling will not wait: a
    /// chunk from the reading thread has arrived. Always false for `Read`
    /// sources, which cannot tell.
    pub fn ready(&mut self) -> bool {
        match &mut self.feed {
            Feed::Read(_) => false,
            Feed::Chunks { prefetch, pending } => {
                if pending.is_none() {
                    *pending = prefetch.try_next();
                }
                pending.is_some()
            }
        }
    }

    /// True once the source is exhausted and every line has been handed out.
    pub fn is_done(&self) -> bool {
        self.eof && self.pos == self.end
    }

    /// True once the source has reported end of input.
    pub fn at_eof(&self) -> bool {
        self.eof
    }

    /// The next complete line already in the buffer, if any; at end of input,
    /// also the final line that has no newline. Never reads.
    #[inline]
    pub fn next_buffered(&mut self) -> Option<Line<'_>> {
        if self.pos == self.end {
            return None;
        }
        let start = self.pos;
        let found = if self.chunked {
            // The reading thread found the newlines already.
            let end = self.ends.get(self.next_end).map(|&e| e as usize + 1);
            self.next_end += usize::from(end.is_some());
            end
        } else {
            let from = self.searched.max(start);
            memchr::memchr(b'\n', &self.buf[from..self.end]).map(|i| from + i + 1)
        };
        let (raw_end, terminated) = match found {
            Some(end) => (end, true),
            None if self.eof => (self.end, false),
            None => {
                self.searched = self.end;
                return None;
            }
        };
        self.pos = raw_end;
        self.searched = raw_end;
        self.number += 1;
        let raw = &self.buf[start..raw_end];
        let mut text = if terminated {
            &raw[..raw.len() - 1]
        } else {
            raw
        };
        if let [rest @ .., b'\r'] = text {
            text = rest;
        }
        Some(Line {
            text,
            raw,
            number: self.number,
            terminated,
        })
    }

    /// Reads more input with one `read` call. Returns `Ok(false)` at end of input.
    ///
    /// Call it only when [`next_buffered`](Self::next_buffered) returned `None`.
    /// Fails with [`io::ErrorKind::InvalidData`] carrying a [`LineTooLong`] when
    /// the pending partial line would exceed the limit.
    pub fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if let Feed::Chunks { .. } = self.feed {
            return self.fill_chunk();
        }
        self.make_room()?;
        // Never more than `capacity` at once, even after the buffer grew, so
        // that a small capacity really does cut the input at every boundary.
        let limit = (self.end + self.capacity).min(self.buf.len());
        let Feed::Read(source) = &mut self.feed else {
            return self.fill_chunk();
        };
        loop {
            match source.read(&mut self.buf[self.end..limit]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(self.pos < self.end);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Takes the next chunk of whole lines from the reading thread.
    fn fill_chunk(&mut self) -> io::Result<bool> {
        let Feed::Chunks { prefetch, pending } = &mut self.feed else {
            return Ok(false);
        };
        let next = match pending.take() {
            Some(next) => next,
            None => prefetch.next(),
        };
        match next {
            None => {
                self.eof = true;
                Ok(self.pos < self.end)
            }
            Some(Chunk::Lines { mut data, mut ends }) => {
                if self.pos < self.end {
                    // Only a final line without its newline is ever left over.
                    let left = self.end - self.pos;
                    data.splice(0..0, self.buf[self.pos..self.end].iter().copied());
                    ends.iter_mut().for_each(|e| *e += left as u32);
                }
                let data = std::mem::replace(&mut self.buf, data);
                prefetch.recycle(data, std::mem::replace(&mut self.ends, ends));
                self.pos = 0;
                self.end = self.buf.len();
                self.searched = 0;
                self.next_end = 0;
                Ok(true)
            }
            Some(Chunk::TooLong) => {
                let error = LineTooLong {
                    number: self.number + 1,
                    limit: self.max_line,
                };
                Err(io::Error::new(io::ErrorKind::InvalidData, error))
            }
            Some(Chunk::Failed(error)) => Err(error),
        }
    }

    /// Rolls the partial line to the front; grows the buffer if it is full.
    fn make_room(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.searched -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            if self.end >= self.max_line {
                let error = LineTooLong {
                    number: self.number + 1,
                    limit: self.max_line,
                };
                return Err(io::Error::new(io::ErrorKind::InvalidData, error));
            }
            let grown = (self.buf.len() * 2).min(self.max_line);
            self.buf.resize(grown.max(self.end + 1), 0);
        }
        Ok(())
    }
}

impl std::fmt::Display for LineTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line longer than {} bytes", self.limit)
    }
}

impl std::error::Error for LineTooLong {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads all lines as (text, terminated) with the given buffer capacity.
    fn lines(input: &[u8], capacity: usize) -> Vec<(Vec<u8>, u64, bool)> {
        let mut reader = LineReader::with_capacity(input, capacity, 1 << 20);
        let mut out = Vec::new();
        loop {
            while let Some(line) = reader.next_buffered() {
                out.push((line.text.to_vec(), line.number, line.terminated));
            }
            if !reader.fill().unwrap() && reader.is_done() {
                break;
            }
        }
        out
    }

    #[test]
    fn splits_lines_at_every_buffer_size() {
        type Lines<'a> = &'a [(&'a [u8], bool)];
        let cases: &[(&[u8], Lines)] = &[
            (b"", &[]),
            (b"\n", &[(b"", true)]),
            (b"a\nb\n", &[(b"a", true), (b"b", true)]),
            (b"a\r\nb", &[(b"a", true), (b"b", false)]),
            (b"\xff\xfe\n\n", &[(b"\xff\xfe", true), (b"", true)]),
            (
                b"one\r\n\r\ntwo\r",
                &[(b"one", true), (b"", true), (b"two", false)],
            ),
        ];
        for (input, expected) in cases {
            for capacity in [1, 2, 3, 7, 64] {
                let got = lines(input, capacity);
                let want: Vec<_> = expected
                    .iter()
                    .enumerate()
                    .map(|(i, (t, term))| (t.to_vec(), i as u64 + 1, *term))
                    .collect();
                assert_eq!(got, want, "input {input:?} capacity {capacity}");
            }
        }
    }

    #[test]
    fn raw_keeps_terminators() {
        let mut reader = LineReader::with_capacity(&b"a\r\nb"[..], 2, 100);
        let mut raws = Vec::new();
        loop {
            while let Some(line) = reader.next_buffered() {
                raws.push(line.raw.to_vec());
            }
            if !reader.fill().unwrap() && reader.is_done() {
                break;
            }
        }
        assert_eq!(raws, vec![b"a\r\n".to_vec(), b"b".to_vec()]);
    }

    /// All lines of `reader` as (text, number, terminated), or the error's line number.
    fn drain<R: Read>(mut reader: LineReader<R>) -> Result<Vec<(Vec<u8>, u64, bool)>, u64> {
        let mut out = Vec::new();
        loop {
            while let Some(line) = reader.next_buffered() {
                out.push((line.text.to_vec(), line.number, line.terminated));
            }
            if reader.at_eof() {
                return Ok(out);
            }
            reader.ready();
            if let Err(e) = reader.fill() {
                return Err(e
                    .get_ref()
                    .unwrap()
                    .downcast_ref::<LineTooLong>()
                    .unwrap()
                    .number);
            }
        }
    }

    #[test]
    fn prefetching_gives_the_same_lines() {
        let inputs: [&[u8]; 5] = [
            b"",
            b"a\nbb\r\nccc",
            b"\n\n\n",
            b"one line\n",
            b"x\ny\nno newline at the end",
        ];
        for input in inputs {
            let plain = drain(LineReader::with_capacity(input, 64, 1 << 20));
            for capacity in [1, 2, 5, 1024] {
                let prefetched =
                    LineReader::prefetched_with(Box::new(input), capacity, 1 << 20).unwrap();
                assert_eq!(drain(prefetched), plain, "{input:?} at {capacity}");
            }
        }
        let long = format!("ok\n{}\nafter\n", "z".repeat(50));
        for capacity in [1, 7, 64] {
            let prefetched = LineReader::prefetched_with(
                Box::new(std::io::Cursor::new(long.clone())),
                capacity,
                16,
            )
            .unwrap();
            assert_eq!(drain(prefetched), Err(2), "capacity {capacity}");
        }
    }

    #[test]
    fn the_limit_holds_at_every_capacity() {
        let input = format!("ok\n{}\n", "x".repeat(40));
        for capacity in [1, 7, 16, 64, 1024] {
            let mut reader = LineReader::with_capacity(input.as_bytes(), capacity, 16);
            let error = loop {
                while reader.next_buffered().is_some() {}
                match reader.fill() {
                    Ok(true) => continue,
                    Ok(false) => panic!("capacity {capacity}: the long line was accepted"),
                    Err(e) => break e,
                }
            };
            let long = error
                .get_ref()
                .unwrap()
                .downcast_ref::<LineTooLong>()
                .unwrap();
            assert_eq!(long.number, 2, "capacity {capacity}");
        }
    }

    #[test]
    fn reads_are_at_most_the_capacity() {
        struct Counting<'a>(&'a [u8], usize);
        impl Read for Counting<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                self.1 = self.1.max(buf.len());
                self.0.read(buf)
            }
        }
        let input = format!("{}\n", "y".repeat(100));
        let mut source = Counting(input.as_bytes(), 0);
        let mut reader = LineReader::with_capacity(&mut source, 3, 1000);
        while reader.fill().unwrap() {
            while reader.next_buffered().is_some() {}
        }
        drop(reader);
        assert_eq!(source.1, 3);
    }

    #[test]
    fn long_line_is_an_error_with_its_number() {
        let input = b"ok\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n";
        let mut reader = LineReader::with_capacity(&input[..], 4, 16);
        let mut seen = 0;
        let error = loop {
            while reader.next_buffered().is_some() {
                seen += 1;
            }
            match reader.fill() {
                Ok(_) => continue,
                Err(e) => break e,
            }
        };
        assert_eq!(seen, 1);
        let inner = error
            .get_ref()
            .unwrap()
            .downcast_ref::<LineTooLong>()
            .unwrap();
        assert_eq!((inner.number, inner.limit), (2, 16));
    }
}
