//! The snapshot: one profile taken at one time, as DESIGN.md defines it.
//!
//! A [`Snapshot`] is built by the assembler, handed to a consumer by reference,
//! then cleared and reused for the next one: no consumer sees the whole log.
//! Stacks are [`StackId`]s into the shared [`Interner`](super::Interner); labels
//! and the original bytes live in per-snapshot buffers that are reused.

use std::ops::Range;

use super::intern::StackId;
use super::kind::Kind;
use crate::input::timestamp::Timestamp;

/// How a snapshot ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Status {
    /// The whole profile was read and its counts reach its header total.
    Complete,
    /// The profile was cut off, or its counts do not reach its total.
    Partial,
    /// A timestamp with no profile after it.
    #[default]
    Missing,
    /// The server answered something else than a profile.
    Error,
}

impl Status {
    /// Every status, in the order summaries list them.
    pub const ALL: [Status; 4] = [
        Status::Complete,
        Status::Partial,
        Status::Missing,
        Status::Error,
    ];

    /// The name used in every output: `complete`, `partial`, `missing`, `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::Partial => "partial",
            Status::Missing => "missing",
            Status::Error => "error",
        }
    }

    /// Parses [`as_str`](Self::as_str)'s names.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// True for the statuses that carry profile data (`complete`, `partial`).
    pub fn has_profile(self) -> bool {
        matches!(self, Status::Complete | Status::Partial)
    }
}

/// What the values of a profile's records measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sample {
    /// One value: how many goroutines (threads) share the stack. goroutine,
    /// threadcreate, goroutineleak and custom profiles, and debug=2 dumps.
    #[default]
    Count,
    /// heap and allocs: alloc_objects, alloc_space, inuse_objects, inuse_space.
    Heap,
    /// block and mutex: contentions, delay (nanoseconds).
    Contention,
    /// CPU profiles (protobuf): samples, cpu (nanoseconds).
    Cpu,
    /// A protobuf profile with other sample types (at most 4 are kept): their
    /// names are the snapshot's [`Snapshot::custom_types`]; `default` is the
    /// index of pprof's default one.
    Custom {
        /// The index of the default value.
        default: u8,
    },
}

impl Sample {
    /// The values' names, in the order of [`Record::values`], as pprof names
    /// them; a count profile's one value is named after the profile.
    pub fn value_names(self, kind: &str) -> Vec<&str> {
        match self {
            Sample::Count => vec![kind],
            Sample::Heap => vec![
                "alloc_objects",
                "alloc_space",
                "inuse_objects",
                "inuse_space",
            ],
            Sample::Contention => vec!["contentions", "delay"],
            Sample::Cpu => vec!["samples", "cpu"],
            Sample::Custom { .. } => Vec::new(),
        }
    }

    /// pprof's default value: the count, inuse_space, delay, cpu.
    pub fn default_value(self) -> usize {
        match self {
            Sample::Count => 0,
            Sample::Heap => 3,
            Sample::Contention | Sample::Cpu => 1,
            Sample::Custom { default } => usize::from(default),
        }
    }

    /// The index of the value named `name` (`count` names a count profile's value too).
    pub fn value_index(self, kind: &str, name: &str) -> Option<usize> {
        if self == Sample::Count && name == "count" {
            return Some(0);
        }
        self.value_names(kind).iter().position(|&n| n == name)
    }
}

/// The stack depth limits of the Go runtime's debug=1 profiles: 32 PCs
/// before Go 1.23, 128 since. A record with as many PCs may have been cut.
pub const DEPTH_LIMITS: [usize; 2] = [32, 128];

/// One record of a profile: a stack and how many goroutines (threads, …) share it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// How many goroutines (threads, objects in use, contention events) the
    /// record stands for: for count profiles its one value.
    pub count: u64,
    /// Every value of the record, in the order of [`Sample::value_names`],
    /// scaled as pprof scales them; unused slots are 0.
    pub values: [u64; 4],
    /// The stack, leaf first; [`StackId::EMPTY`] when stacks were not asked for.
    pub stack: StackId,
    /// True when the runtime cut the stack at its depth limit, or a dump elided frames.
    pub truncated: bool,
    /// debug=2 dumps: the goroutines' state (`chan receive`), interned; 0 for none.
    pub state: u32,
    /// debug=2 dumps: the least and the most minutes the goroutines had waited.
    pub wait_minutes: Option<(u32, u32)>,
    /// debug=2 dumps: how many of the goroutines had waited a minute or more
    /// (their header says `, N minutes`); 0 otherwise. Goroutines that stay
    /// blocked age past a minute; a stack's short-lived ones do not.
    pub waited: u32,
    /// debug=2 dumps: the function that created the goroutines (`created by
    /// FUNC`), interned ([`Interner::creator`]); 0 for none (debug=1 profiles,
    /// goroutines the runtime started).
    ///
    /// [`Interner::creator`]: super::Interner::creator
    pub creator: u32,
    /// The labels' text (`{"k":"v", ...}`) in the snapshot's label buffer.
    labels: Range<u32>,
}

impl Record {
    /// A record of a count profile, with no labels, state or truncation.
    pub fn new(count: u64, stack: StackId) -> Record {
        Record {
            count,
            values: [count, 0, 0, 0],
            stack,
            truncated: false,
            state: 0,
            wait_minutes: None,
            waited: 0,
            creator: 0,
            labels: 0..0,
        }
    }
}

/// One profile taken at one time.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// 0-based position in the input.
    pub index: u64,
    /// The timestamp that preceded the profile, if any.
    pub time: Option<Timestamp>,
    /// The timestamp line as written (lossy UTF-8, trimmed); empty when none.
    pub time_raw: String,
    /// The profile's kind; [`Kind::None`] for `missing` and `error` snapshots.
    pub kind: Kind,
    /// The total its header announced, where the format has one; for a
    /// debug=2 dump, the number of goroutines in it.
    pub total: Option<u64>,
    /// What the records' values measure.
    pub sample: Sample,
    /// heap profiles: the `# runtime.MemStats` trailer, as `(name, value)`.
    pub memstats: Vec<(String, String)>,
    /// The records, in input order.
    pub records: Vec<Record>,
    /// How the snapshot ended.
    pub status: Status,
    /// For `error` snapshots: the first line of what the server answered.
    pub error: Option<String>,
    /// The first input line of this snapshot (1-based, within its file).
    pub line: u64,
    /// The original bytes, when the assembler was asked to keep them.
    pub raw: Vec<u8>,
    /// [`Sample::Custom`]: the sample types' names, in the order of the values.
    pub custom_types: Vec<String>,
    /// A protobuf snapshot: where its profile's own bytes (gzip'd or not)
    /// begin in `raw`, after the timestamp line that preceded them.
    pub profile_at: Option<usize>,
    labels: Vec<u8>,
}

impl Snapshot {
    /// Empties the snapshot for reuse, keeping its buffers' capacity.
    pub fn clear(&mut self) {
        let mut records = std::mem::take(&mut self.records);
        let mut raw = std::mem::take(&mut self.raw);
        let mut labels = std::mem::take(&mut self.labels);
        let mut time_raw = std::mem::take(&mut self.time_raw);
        let mut memstats = std::mem::take(&mut self.memstats);
        let mut custom_types = std::mem::take(&mut self.custom_types);
        custom_types.clear();
        memstats.clear();
        records.clear();
        raw.clear();
        labels.clear();
        time_raw.clear();
        *self = Snapshot {
            records,
            raw,
            labels,
            time_raw,
            memstats,
            custom_types,
            ..Snapshot::default()
        };
    }

    /// The names of the records' values, in order: the sample's (see
    /// [`Sample::value_names`]), or a custom profile's own.
    pub fn value_names(&self) -> Vec<&str> {
        match self.sample {
            Sample::Custom { .. } => self.custom_types.iter().map(String::as_str).collect(),
            sample => sample.value_names(self.kind.as_str()),
        }
    }

    /// The index of the value named `name` (`count` names a count profile's value too).
    pub fn value_index(&self, name: &str) -> Option<usize> {
        match self.sample {
            Sample::Custom { .. } => self.custom_types.iter().position(|n| n == name),
            sample => sample.value_index(self.kind.as_str(), name),
        }
    }

    /// Adds `record` with the labels' text `labels` (empty for none).
    pub fn push_record(&mut self, mut record: Record, labels: &[u8]) {
        let start = self.labels.len() as u32;
        self.labels.extend_from_slice(labels);
        record.labels = start..self.labels.len() as u32;
        self.records.push(record);
    }

    /// The sum of the records' counts (saturating).
    pub fn counted(&self) -> u64 {
        self.records
            .iter()
            .fold(0u64, |sum, r| sum.saturating_add(r.count))
    }

    /// The labels' text of `record` as Go printed it (`{"k":"v", ...}`), or empty.
    pub fn labels_text(&self, record: &Record) -> &[u8] {
        &self.labels[record.labels.start as usize..record.labels.end as usize]
    }

    /// The labels of `record` as `(key, value)` pairs, unquoted.
    pub fn labels(&self, record: &Record) -> Vec<(String, String)> {
        parse_labels(self.labels_text(record))
    }
}

/// Parses Go's label text `{"k":"v", "k2":"v2"}` (each part `%q`-quoted).
/// Text that does not follow that form yields the pairs read before it.
pub fn parse_labels(text: &[u8]) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let Some(inner) = text.trim_ascii().strip_prefix(b"{") else {
        return pairs;
    };
    let mut rest = inner.strip_suffix(b"}").unwrap_or(inner);
    loop {
        rest = rest.trim_ascii_start();
        let Some((key, after)) = unquote(rest) else {
            break;
        };
        let Some(after) = after.strip_prefix(b":") else {
            break;
        };
        let Some((value, after)) = unquote(after.trim_ascii_start()) else {
            break;
        };
        pairs.push((key, value));
        match after.trim_ascii_start().strip_prefix(b",") {
            Some(next) => rest = next,
            None => break,
        }
    }
    pairs
}

/// Reads one Go `%q` string from the start of `text`: the string and the rest.
pub fn unquote(text: &[u8]) -> Option<(String, &[u8])> {
    let mut bytes = Vec::new();
    let mut i = 1;
    if text.first() != Some(&b'"') {
        return None;
    }
    while i < text.len() {
        match text[i] {
            b'"' => return Some((String::from_utf8_lossy(&bytes).into_owned(), &text[i + 1..])),
            b'\\' => {
                let (decoded, used) = unescape(&text[i + 1..])?;
                match decoded {
                    Escaped::Byte(b) => bytes.push(b),
                    Escaped::Char(c) => {
                        bytes.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes())
                    }
                }
                i += 1 + used;
            }
            b => {
                bytes.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Appends `text` quoted as Go's `%q` quotes it: `"`, `\\` and control
/// characters escaped, everything else as is. The inverse of [`unquote`].
pub fn go_quote(text: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for c in text.chars() {
        match c {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\t' => out.extend_from_slice(b"\\t"),
            '\r' => out.extend_from_slice(b"\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.extend_from_slice(format!("\\x{:02x}", c as u32).as_bytes());
            }
            c if c.is_control() => out.extend_from_slice(format!("\\u{:04x}", c as u32).as_bytes()),
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out.push(b'"');
}

enum Escaped {
    Byte(u8),
    Char(char),
}

/// Decodes the escape after a backslash: the value and how many bytes it used.
fn unescape(text: &[u8]) -> Option<(Escaped, usize)> {
    let simple = |b| Some((Escaped::Byte(b), 1));
    match *text.first()? {
        b'a' => simple(7),
        b'b' => simple(8),
        b'f' => simple(12),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(11),
        b'\\' => simple(b'\\'),
        b'"' => simple(b'"'),
        b'\'' => simple(b'\''),
        b'x' => Some((Escaped::Byte(hex(text.get(1..3)?)? as u8), 3)),
        b'u' => Some((Escaped::Char(char::from_u32(hex(text.get(1..5)?)?)?), 5)),
        b'U' => Some((Escaped::Char(char::from_u32(hex(text.get(1..9)?)?)?), 9)),
        b'0'..=b'7' => {
            let digits = text.get(..3)?;
            let value = digits.iter().try_fold(0u32, |n, &d| {
                (b'0'..=b'7')
                    .contains(&d)
                    .then(|| n * 8 + u32::from(d - b'0'))
            })?;
            Some((Escaped::Byte(u8::try_from(value).ok()?), 3))
        }
        _ => None,
    }
}

fn hex(digits: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn labels_as_go_prints_them() {
        let cases: &[(&str, &[(&str, &str)])] = &[
            (
                r#"{"handler":"order", "region":"ap"}"#,
                &[("handler", "order"), ("region", "ap")],
            ),
            (r#"{}"#, &[]),
            (
                r#"{"k":"a\"b\\c\n\x41\u00e9\101"}"#,
                &[("k", "a\"b\\c\nAéA")],
            ),
            (r#"{"k":"v", "broken"#, &[("k", "v")]),
            ("not labels", &[]),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_labels(text.as_bytes()), pairs(expected), "{text}");
        }
    }

    #[test]
    fn go_quote_round_trips() {
        for text in [
            "plain",
            "q\"uote",
            "back\\slash",
            "nl\ntab\t",
            "\u{1}\u{7f}\u{85}",
            "é</script>",
        ] {
            let mut quoted = Vec::new();
            go_quote(text, &mut quoted);
            let (back, rest) = unquote(&quoted).unwrap();
            assert_eq!((back.as_str(), rest), (text, &b""[..]), "{text:?}");
        }
    }

    #[test]
    fn records_keep_their_labels() {
        let mut snap = Snapshot::default();
        snap.push_record(Record::new(3, StackId::EMPTY), br#"{"a":"1"}"#);
        snap.push_record(Record::new(4, StackId::EMPTY), b"");
        assert_eq!(snap.counted(), 7);
        assert_eq!(snap.labels(&snap.records[0]), pairs(&[("a", "1")]));
        assert!(snap.labels_text(&snap.records[1]).is_empty());
        snap.clear();
        assert!(snap.records.is_empty() && snap.counted() == 0);
    }

    #[test]
    fn status_names_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::from_name(status.as_str()), Some(status));
        }
        assert!(Status::Partial.has_profile() && !Status::Error.has_profile());
    }
}
