//! Standard output for the binaries: block-buffered (Rust's stdout is
//! line-buffered even into a pipe), flushed where the output is live.

use std::io::{self, BufWriter, StdoutLock, Write};

/// Size of the output buffer.
const CAPACITY: usize = 64 * 1024;

/// Standard output, locked once and buffered.
pub struct Output {
    inner: BufWriter<StdoutLock<'static>>,
}

impl Output {
    /// Locks standard output for the life of the program.
    pub fn stdout() -> Output {
        Output {
            inner: BufWriter::with_capacity(CAPACITY, io::stdout().lock()),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
