//! The snapshot's JSON form: what `pp-split` writes, one object per line, and
//! what every binary reads back.
//!
//! ```json
//! {"index":0,"time":"2026-11-27T15:13:27","time_raw":"Fri Nov 27 15:13:27 IST 2026",
//!  "kind":"goroutine","total":55,"status":"complete","error":null,
//!  "sample_types":["goroutine"],"memstats":{},
//!  "records":[{"count":10,"values":[10],"labels":{"handler":"order"},"truncated":false,
//!              "state":null,"wait_minutes":null,"waited":null,"created_by":null,
//!              "frames":[{"func":"main.(*Server).quote","file":"/home/dev/shop/server.go","line":75}]}]}
//! ```
//!
//! Frames are leaf first. `time`, `time_raw`, `kind`, `total` and `error` are
//! `null` when unknown; a frame known only by its address has that address as
//! `func`, `""` as `file` and `0` as `line`. `values` go with `sample_types`
//! (pprof's names: the profile's name for count profiles; alloc_objects,
//! alloc_space, inuse_objects, inuse_space for heap; contentions, delay in
//! nanoseconds for block and mutex). `state` and `wait_minutes` (least, most;
//! null when no goroutine of the record had `, N minutes`), `waited` (how many
//! of its goroutines had `, N minutes`; null outside dumps) and `created_by`
//! (the function of `created by FUNC`) come from debug=2 dumps, `memstats` from a heap profile's trailer (numbers
//! where the value is one). Bytes that are not UTF-8 are written as U+FFFD.
//! Reading ignores `index` and `time` (the position in the new input and the
//! parsed `time_raw` take their place) and unknown keys.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::{FrameRef, Interner, Kind, Record, Sample, Snapshot, Status, go_quote};
use crate::input::timestamp::Timestamp;

/// A snapshot with the interner that names its frames, serializable as JSON.
pub struct SnapshotJson<'a> {
    /// The snapshot.
    pub snapshot: &'a Snapshot,
    /// The interner its stacks live in.
    pub interner: &'a Interner,
}

impl Serialize for SnapshotJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let snap = self.snapshot;
        let mut map = serializer.serialize_map(Some(11))?;
        map.serialize_entry("index", &snap.index)?;
        map.serialize_entry("time", &snap.time.map(|t| t.to_string()))?;
        map.serialize_entry("time_raw", &non_empty(&snap.time_raw))?;
        map.serialize_entry("kind", &non_empty(snap.kind.as_str()))?;
        map.serialize_entry("total", &snap.total)?;
        map.serialize_entry("status", snap.status.as_str())?;
        map.serialize_entry("error", &snap.error)?;
        map.serialize_entry("sample_types", &snap.value_names())?;
        map.serialize_entry("memstats", &MemStats(&snap.memstats))?;
        map.serialize_entry("records", &Records(self))?;
        map.end()
    }
}

fn non_empty(text: &str) -> Option<&str> {
    (!text.is_empty()).then_some(text)
}

struct Records<'a>(&'a SnapshotJson<'a>);

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let records = &self.0.snapshot.records;
        let mut seq = serializer.serialize_seq(Some(records.len()))?;
        for record in records {
            seq.serialize_element(&RecordJson {
                parent: self.0,
                record,
            })?;
        }
        seq.end()
    }
}

struct RecordJson<'a> {
    parent: &'a SnapshotJson<'a>,
    record: &'a Record,
}

impl Serialize for RecordJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let snap = self.parent.snapshot;
        let record = self.record;
        let labels: BTreeMap<String, String> = snap.labels(record).into_iter().collect();
        let values = &record.values[..snap.value_names().len()];
        let state = (record.state != 0).then(|| self.parent.interner.state_name(record.state));
        let creator =
            (record.creator != 0).then(|| self.parent.interner.creator_name(record.creator));
        let waited = (record.state != 0).then_some(record.waited);
        let mut map = serializer.serialize_map(Some(9))?;
        map.serialize_entry("count", &record.count)?;
        map.serialize_entry("values", values)?;
        map.serialize_entry("labels", &labels)?;
        map.serialize_entry("truncated", &record.truncated)?;
        map.serialize_entry("state", &state)?;
        map.serialize_entry("wait_minutes", &record.wait_minutes)?;
        map.serialize_entry("waited", &waited)?;
        map.serialize_entry("created_by", &creator)?;
        map.serialize_entry("frames", &FramesJson(self))?;
        map.end()
    }
}

/// MemStats values, sorted by name, as JSON numbers where they are numbers.
struct MemStats<'a>(&'a [(String, String)]);

impl Serialize for MemStats<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut sorted: Vec<&(String, String)> = self.0.iter().collect();
        sorted.sort();
        let mut map = serializer.serialize_map(Some(sorted.len()))?;
        for (name, value) in sorted {
            match (value.parse::<u64>(), value.parse::<f64>()) {
                (Ok(n), _) => map.serialize_entry(name, &n)?,
                (_, Ok(x)) if x.is_finite() => map.serialize_entry(name, &x)?,
                _ => map.serialize_entry(name, value)?,
            }
        }
        map.end()
    }
}

struct FramesJson<'a>(&'a RecordJson<'a>);

impl Serialize for FramesJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let interner = self.0.parent.interner;
        let frames = interner.frames_of(self.0.record.stack);
        let mut seq = serializer.serialize_seq(Some(frames.len()))?;
        for &id in frames {
            seq.serialize_element(&FrameJson(interner.get(id).as_ref()))?;
        }
        seq.end()
    }
}

struct FrameJson<'a>(FrameRef<'a>);

/// `bytes` as text, U+FFFD for what is not UTF-8. The check of valid text
/// (nearly every name) is `str::from_utf8`'s, several times faster than
/// `from_utf8_lossy`'s walk, and this runs for every frame of every record.
fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

impl Serialize for FrameJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("func", &text(self.0.func))?;
        map.serialize_entry("file", &text(self.0.file))?;
        map.serialize_entry("line", &self.0.line)?;
        map.end()
    }
}

#[derive(Deserialize)]
struct SnapshotIn {
    #[serde(default)]
    time: Option<String>,
    time_raw: Option<String>,
    kind: Option<String>,
    total: Option<u64>,
    status: String,
    error: Option<String>,
    #[serde(default)]
    sample_types: Vec<String>,
    #[serde(default)]
    memstats: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    records: Vec<RecordIn>,
}

#[derive(Deserialize)]
struct RecordIn {
    count: u64,
    #[serde(default)]
    values: Vec<u64>,
    #[serde(default)]
    labels: BTreeMap<String, String>,
    #[serde(default)]
    truncated: bool,
    state: Option<String>,
    wait_minutes: Option<(u32, u32)>,
    #[serde(default)]
    waited: Option<u32>,
    #[serde(default)]
    created_by: Option<String>,
    #[serde(default)]
    frames: Vec<FrameIn>,
}

#[derive(Deserialize)]
struct FrameIn {
    func: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    line: u32,
}

/// Reads one JSON line into `snap` (which must be cleared), interning its
/// frames. Returns the snapshot's status, or why the line is not a snapshot.
pub fn read_snapshot(
    text: &[u8],
    interner: &mut Interner,
    snap: &mut Snapshot,
) -> Result<Status, String> {
    let input: SnapshotIn = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    let status = Status::from_name(&input.status)
        .ok_or_else(|| format!("unknown status {:?}", input.status))?;
    if let Some(raw) = input.time_raw {
        snap.time =
            Some(Timestamp::parse(raw.as_bytes()).ok_or_else(|| format!("bad time_raw {raw:?}"))?);
        snap.time_raw = raw;
    } else if let Some(time) = input.time {
        // A time without a line it came from: a protobuf profile's own.
        snap.time =
            Some(Timestamp::parse(time.as_bytes()).ok_or_else(|| format!("bad time {time:?}"))?);
    }
    snap.kind = Kind::from_name(input.kind.as_deref().unwrap_or_default());
    snap.total = input.total;
    snap.error = input.error;
    snap.sample = [Sample::Heap, Sample::Contention, Sample::Cpu]
        .into_iter()
        .find(|s| s.value_names("") == input.sample_types)
        .unwrap_or(if input.sample_types.len() > 1 {
            Sample::Custom {
                default: (input.sample_types.len().min(4) - 1) as u8,
            }
        } else {
            Sample::Count
        });
    if let Sample::Custom { .. } = snap.sample {
        snap.custom_types = input.sample_types.into_iter().take(4).collect();
    }
    snap.memstats = input
        .memstats
        .into_iter()
        .map(|(name, value)| match value {
            serde_json::Value::String(text) => (name, text),
            other => (name, other.to_string()),
        })
        .collect();
    let mut frames = Vec::new();
    let mut labels = Vec::new();
    for record in input.records {
        frames.clear();
        for frame in &record.frames {
            frames.push(interner.frame(FrameRef {
                func: frame.func.as_bytes(),
                file: frame.file.as_bytes(),
                line: frame.line,
            }));
        }
        labels.clear();
        write_labels(&record.labels, &mut labels);
        let mut new = Record::new(record.count, interner.stack(&frames));
        if !record.values.is_empty() {
            new.values = [0; 4];
        }
        for (slot, value) in new.values.iter_mut().zip(&record.values) {
            *slot = *value;
        }
        new.truncated = record.truncated;
        new.state = record.state.map_or(0, |name| interner.state(&name));
        new.wait_minutes = record.wait_minutes;
        // Lines written before `waited` existed: at least the goroutines
        // their least wait says waited, else the one the most says did.
        new.waited = record.waited.unwrap_or(match record.wait_minutes {
            Some((least, _)) if least > 0 => record.count.min(u64::from(u32::MAX)) as u32,
            Some((_, most)) => u32::from(most > 0),
            None => 0,
        });
        new.creator = record.created_by.map_or(0, |func| interner.creator(&func));
        snap.push_record(new, &labels);
    }
    Ok(status)
}

/// Writes labels the way Go's debug=1 text does: `{"k":"v", "k2":"v2"}`; nothing for none.
pub fn write_labels<'a>(
    labels: impl IntoIterator<Item = (&'a String, &'a String)>,
    out: &mut Vec<u8>,
) {
    let mut any = false;
    for (key, value) in labels {
        out.extend_from_slice(if any { b", " } else { b"{" });
        go_quote(key, out);
        out.push(b':');
        go_quote(value, out);
        any = true;
    }
    if any {
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_and_reads_back() {
        let mut interner = Interner::new();
        let mut snap = Snapshot::default();
        let line = br#"{"index":7,"time":"x","time_raw":"Fri Nov 27 15:13:27 IST 2026","kind":"goroutine","total":3,"status":"partial","error":null,"records":[{"count":2,"labels":{"b":"2","a":"1\""},"truncated":true,"frames":[{"func":"main.leaf","file":"/a.go","line":3},{"func":"0x493b61","file":"","line":0}]},{"count":1,"frames":[]}]}"#;
        let status = read_snapshot(line, &mut interner, &mut snap).unwrap();
        assert_eq!(status, Status::Partial);
        assert_eq!(
            snap.labels_text(&snap.records[0]),
            br#"{"a":"1\"", "b":"2"}"#
        );
        assert_eq!(snap.time.unwrap().to_string(), "2026-11-27T15:13:27");
        snap.status = status;
        snap.index = 7;
        let written = serde_json::to_string(&SnapshotJson {
            snapshot: &snap,
            interner: &interner,
        })
        .unwrap();
        let expected = r#"{"index":7,"time":"2026-11-27T15:13:27","time_raw":"Fri Nov 27 15:13:27 IST 2026","kind":"goroutine","total":3,"status":"partial","error":null,"sample_types":["goroutine"],"memstats":{},"records":[{"count":2,"values":[2],"labels":{"a":"1\"","b":"2"},"truncated":true,"state":null,"wait_minutes":null,"waited":null,"created_by":null,"frames":[{"func":"main.leaf","file":"/a.go","line":3},{"func":"0x493b61","file":"","line":0}]},{"count":1,"values":[1],"labels":{},"truncated":false,"state":null,"wait_minutes":null,"waited":null,"created_by":null,"frames":[]}]}"#;
        assert_eq!(written, expected);
    }

    /// A dump record's `waited` is read and written back; a line written
    /// before it existed gives the least its `wait_minutes` allow.
    #[test]
    fn waited_reads_back() {
        let mut interner = Interner::new();
        let mut snap = Snapshot::default();
        let line = br#"{"status":"complete","records":[
            {"count":4,"state":"chan send","wait_minutes":[1,4],"waited":3,"frames":[]},
            {"count":4,"state":"chan send","wait_minutes":[2,5],"frames":[]},
            {"count":4,"state":"select","wait_minutes":[0,5],"frames":[]},
            {"count":4,"state":"select","wait_minutes":null,"frames":[]}]}"#;
        read_snapshot(line, &mut interner, &mut snap).unwrap();
        let waited: Vec<u32> = snap.records.iter().map(|r| r.waited).collect();
        assert_eq!(waited, [3, 4, 1, 0]);
        let written = serde_json::to_string(&SnapshotJson {
            snapshot: &snap,
            interner: &interner,
        })
        .unwrap();
        assert!(
            written.contains(r#""wait_minutes":[1,4],"waited":3,"#),
            "{written}"
        );
        assert!(
            written.contains(r#""wait_minutes":null,"waited":0,"#),
            "{written}"
        );
    }

    #[test]
    fn rejects_what_is_not_a_snapshot() {
        let mut interner = Interner::new();
        for line in [
            &b"{}"[..],
            br#"{"status":"done"}"#,
            b"{\"status\":",
            br#"{"status":"error","time_raw":"yesterday"}"#,
        ] {
            let mut snap = Snapshot::default();
            assert!(
                read_snapshot(line, &mut interner, &mut snap).is_err(),
                "{line:?}"
            );
        }
    }
}
