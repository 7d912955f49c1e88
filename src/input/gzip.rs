//! gzip, detected by its magic bytes, never by a file name.
//!
//! [`sniff`] looks at the first bytes of a source: a gzip'd log is
//! decompressed as a stream (a `MultiGzDecoder`, in constant memory) and read
//! as the plain log; a gzip'd `profile.proto` (a `.pb.gz`) is handed on
//! compressed, to be read as one binary segment; a raw `profile.proto` is
//! named so; other binary data is refused with one clear line. [`Member`]
//! decompresses one gzip member fed in pieces (the lines a gathering loop
//! without `?debug=1` wrote) and says where it ended, with hard caps on both
//! sizes, so a hostile length never becomes an allocation.

use std::io::{self, Cursor, Read};

use flate2::{Crc, Decompress, FlushDecompress, Status};

/// The first two bytes of every gzip member.
pub const MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The most compressed bytes one member may have.
pub const MAX_COMPRESSED: usize = 256 * 1024 * 1024;
/// The most bytes one member may decompress to.
pub const MAX_DECOMPRESSED: usize = 512 * 1024 * 1024;

/// What a source turned out to hold.
pub enum Sniffed {
    /// Text, or a gzip'd text log already wrapped in a decoder, or gzip
    /// members to be found among its lines.
    Lines(Box<dyn Read + Send>),
    /// A raw (uncompressed) `profile.proto`.
    Protobuf(Box<dyn Read + Send>),
    /// Binary data that is neither.
    Binary,
}

/// Looks at the first bytes of `reader` and says what it holds; no byte is lost.
pub fn sniff(mut reader: Box<dyn Read + Send>) -> io::Result<Sniffed> {
    let mut head = Vec::new();
    read_at_least(&mut reader, &mut head, 2)?;
    if head.starts_with(&MAGIC) {
        let protobuf = gzip_holds_protobuf(&mut reader, &mut head)?;
        let whole: Box<dyn Read + Send> = Box::new(Cursor::new(head).chain(reader));
        if protobuf {
            return Ok(Sniffed::Lines(whole));
        }
        return Ok(Sniffed::Lines(Box::new(flate2::read::MultiGzDecoder::new(
            whole,
        ))));
    }
    if matches!(head.first(), Some(0x0a | 0x48 | 0x50 | 0x5a | 0x60 | 0x70)) {
        read_at_least(&mut reader, &mut head, 32)?;
        if looks_like_protobuf(&head) {
            return Ok(Sniffed::Protobuf(Box::new(Cursor::new(head).chain(reader))));
        }
    }
    if is_binary(&head) {
        return Ok(Sniffed::Binary);
    }
    Ok(Sniffed::Lines(Box::new(Cursor::new(head).chain(reader))))
}

/// Reads into `head` until it holds `n` bytes or the input ends.
fn read_at_least(reader: &mut impl Read, head: &mut Vec<u8>, n: usize) -> io::Result<()> {
    let mut chunk = [0; 4096];
    while head.len() < n {
        match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(got) => head.extend_from_slice(&chunk[..got]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Decompresses the start of the gzip member in `head` (reading more as
/// needed) and says whether it is a `profile.proto`.
fn gzip_holds_protobuf(reader: &mut impl Read, head: &mut Vec<u8>) -> io::Result<bool> {
    let mut member = Member::new();
    let mut fed = 0;
    loop {
        match member.push(&head[fed..]) {
            Ok(Progress::Done { .. }) | Err(_) => break,
            Ok(Progress::More) if member.out.len() >= 32 => break,
            Ok(Progress::More) => {}
        }
        fed = head.len();
        let before = head.len();
        read_at_least(reader, head, before + 1)?;
        if head.len() == before {
            break;
        }
    }
    Ok(looks_like_protobuf(&member.out))
}

/// True when `bytes` start like a Go `profile.proto`: up to three varint
/// fields Go writes first (`time_nanos`, `duration_nanos`, `period`,
/// `default_sample_type`), then field 1 (`sample_type`) or 11
/// (`period_type`), a length, and the `type` field of a `ValueType`. Text
/// does not start so: a varint's last byte is followed by another key byte,
/// and a length is a control byte or several bytes.
pub fn looks_like_protobuf(bytes: &[u8]) -> bool {
    let mut at = 0;
    for _ in 0..4 {
        match bytes.get(at) {
            Some(0x48 | 0x50 | 0x60 | 0x70) => {
                at += 1;
                let len = bytes[at.min(bytes.len())..]
                    .iter()
                    .take_while(|&&b| b & 0x80 != 0)
                    .count();
                if len >= 10 {
                    return false;
                }
                at += len + 1;
            }
            Some(0x0a | 0x5a) => {
                at += 1;
                let len = bytes[at.min(bytes.len())..]
                    .iter()
                    .take_while(|&&b| b & 0x80 != 0)
                    .count();
                return bytes.get(at + len + 1) == Some(&0x08);
            }
            _ => return false,
        }
    }
    false
}

/// True for a first line no text log holds: a NUL or another control byte
/// (tab, carriage return, form feed and a logger's colour escapes aside), or
/// bytes that are not UTF-8. (Only the first line, at most 512 bytes: a
/// gathering loop's log starts with a `date` line, then maybe gzip.)
pub fn is_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(512)];
    let head = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
    let control = head
        .iter()
        .any(|&b| (b < 0x20 && !matches!(b, b'\t' | b'\r' | 0x0c | 0x1b)) || b == 0x7f);
    let invalid = std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some());
    control || invalid
}

/// How far a [`Member`] got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The member goes on: push more.
    More,
    /// The member ended inside the last push, after its first `used` bytes.
    Done {
        /// Bytes of the last push that belonged to the member.
        used: usize,
    },
}

/// Why a member could not be decompressed, with the offset in the member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberError {
    /// Byte offset within the member where it went wrong.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

/// One gzip member, decompressed as its bytes arrive.
pub struct Member {
    /// Every compressed byte pushed so far, header and trailer included.
    pub raw: Vec<u8>,
    /// What it decompressed to so far.
    pub out: Vec<u8>,
    header_len: Option<usize>,
    inflate: Decompress,
    fed: usize,
    ended_at: Option<usize>,
}

impl Default for Member {
    fn default() -> Member {
        Member::new()
    }
}

impl Member {
    /// A member of which nothing was pushed yet.
    pub fn new() -> Member {
        Member {
            raw: Vec::new(),
            out: Vec::new(),
            header_len: None,
            inflate: Decompress::new(false),
            fed: 0,
            ended_at: None,
        }
    }

    /// Takes the next bytes of the member (they may run past its end).
    pub fn push(&mut self, bytes: &[u8]) -> Result<Progress, MemberError> {
        let before = self.raw.len();
        if before + bytes.len() > MAX_COMPRESSED {
            return Err(self.error(before, "gzip member larger than 256 MiB"));
        }
        self.raw.extend_from_slice(bytes);
        if self.header_len.is_none() {
            match parse_header(&self.raw) {
                Ok(Some(len)) => (self.header_len, self.fed) = (Some(len), len),
                Ok(None) => return Ok(Progress::More),
                Err(message) => return Err(self.error(0, message)),
            }
        }
        if self.ended_at.is_none() && !self.inflate_more()? {
            return Ok(Progress::More);
        }
        let end = self.ended_at.unwrap_or(0);
        let Some(trailer) = self.raw.get(end..end + 8) else {
            return Ok(Progress::More);
        };
        let mut crc = Crc::new();
        crc.update(&self.out);
        let want_crc = u32::from_le_bytes(trailer[..4].try_into().unwrap_or_default());
        let want_size = u32::from_le_bytes(trailer[4..].try_into().unwrap_or_default());
        if crc.sum() != want_crc || self.out.len() as u32 != want_size {
            return Err(self.error(end, "gzip checksum mismatch"));
        }
        self.raw.truncate(end + 8);
        Ok(Progress::Done {
            used: end + 8 - before,
        })
    }

    /// Inflates what was pushed; true once the deflate stream ended.
    fn inflate_more(&mut self) -> Result<bool, MemberError> {
        loop {
            if self.out.len() >= MAX_DECOMPRESSED {
                return Err(self.error(self.fed, "gzip member decompresses to more than 512 MiB"));
            }
            if self.out.capacity() - self.out.len() < 32 * 1024 {
                self.out
                    .reserve(self.out.len().clamp(64 * 1024, 8 * 1024 * 1024));
            }
            let (in_before, out_before) = (self.inflate.total_in(), self.out.len());
            let status = self
                .inflate
                .decompress_vec(&self.raw[self.fed..], &mut self.out, FlushDecompress::None)
                .map_err(|e| self.error(self.fed, &format!("corrupt gzip data ({e})")))?;
            self.fed += (self.inflate.total_in() - in_before) as usize;
            if status == Status::StreamEnd {
                self.ended_at = Some(self.fed);
                return Ok(true);
            }
            let progressed = self.inflate.total_in() > in_before || self.out.len() > out_before;
            if self.fed == self.raw.len() || !progressed {
                return Ok(false);
            }
        }
    }

    fn error(&self, offset: usize, message: &str) -> MemberError {
        MemberError {
            offset,
            message: message.to_string(),
        }
    }
}

/// The length of the gzip header at the start of `raw`; `None` while it is incomplete.
fn parse_header(raw: &[u8]) -> Result<Option<usize>, &'static str> {
    if raw.len() < 10 {
        return Ok(None);
    }
    if raw[..2] != MAGIC || raw[2] != 8 {
        return Err("not a gzip member");
    }
    let flags = raw[3];
    let mut at = 10;
    if flags & 4 != 0 {
        let Some(len) = raw.get(at..at + 2) else {
            return Ok(None);
        };
        at += 2 + usize::from(u16::from_le_bytes([len[0], len[1]]));
    }
    for flag in [8, 16] {
        if flags & flag != 0 {
            match raw
                .get(at..)
                .and_then(|rest| rest.iter().position(|&b| b == 0))
            {
                Some(nul) => at += nul + 1,
                None => return Ok(None),
            }
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    Ok((raw.len() >= at).then_some(at))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn a_member_fed_in_pieces_ends_where_it_ends() {
        let data: Vec<u8> = (0..20_000u32).flat_map(|i| i.to_le_bytes()).collect();
        let mut input = gzip(&data);
        let len = input.len();
        input.extend_from_slice(b"Wed Dec  2 10:10:53 IST 2026\n");
        for piece in [1, 3, 100, 4096, input.len()] {
            let mut member = Member::new();
            let mut at = 0;
            let done = loop {
                let end = (at + piece).min(input.len());
                match member.push(&input[at..end]).unwrap() {
                    Progress::Done { used } => break at + used,
                    Progress::More => at = end,
                }
                assert!(at < input.len(), "piece {piece}: never ended");
            };
            assert_eq!(done, len, "piece {piece}");
            assert_eq!(member.out, data);
        }
    }

    #[test]
    fn corrupt_members_are_errors() {
        let mut input = gzip(b"hello hello hello");
        let n = input.len();
        input[n - 3] ^= 0xff;
        assert!(Member::new().push(&input).is_err());
        assert!(Member::new().push(b"\x1f\x8b\x09rest....").is_err());
    }

    #[test]
    fn sniff_tells_what_a_source_holds() {
        let read = |s: Sniffed| match s {
            Sniffed::Lines(mut r) | Sniffed::Protobuf(mut r) => {
                let mut out = Vec::new();
                r.read_to_end(&mut out).unwrap();
                out
            }
            Sniffed::Binary => b"binary".to_vec(),
        };
        let text = b"goroutine profile: total 1\n".to_vec();
        let sniffed = sniff(Box::new(Cursor::new(gzip(&text)))).unwrap();
        assert_eq!(read(sniffed), text);
        assert_eq!(
            read(sniff(Box::new(Cursor::new(text.clone()))).unwrap()),
            text
        );
        let proto = b"\x5a\x04\x08\x01\x10\x02\x0a\x04\x08\x01\x10\x02".to_vec();
        let compressed = gzip(&proto);
        let sniffed = sniff(Box::new(Cursor::new(compressed.clone()))).unwrap();
        assert!(matches!(sniffed, Sniffed::Lines(_)));
        assert_eq!(read(sniffed), compressed);
        assert!(matches!(
            sniff(Box::new(Cursor::new(proto))).unwrap(),
            Sniffed::Protobuf(_)
        ));
        assert!(matches!(
            sniff(Box::new(Cursor::new(b"\x00\x01\x02\x03".to_vec()))).unwrap(),
            Sniffed::Binary
        ));
    }
}
