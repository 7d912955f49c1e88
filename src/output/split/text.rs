//! A snapshot as text: its original bytes, or Go's own text format rebuilt
//! from the model when it has none (it came from pp-split JSON).
//!
//! The rebuilt text reads back to the same snapshot: count profiles as
//! debug=1 text, heap with rate 1 and contention at 1 GHz (so pprof's
//! scaling leaves the values as they are), dumps as one goroutine block per
//! goroutine. Addresses are made up, except that a truncated stack gets as
//! many as the runtime's depth limit, which is how the parser recognises one.

use crate::model::{DEPTH_LIMITS, Frame, Interner, Kind, Record, Sample, Snapshot};

/// Appends `snap` as text to `out`: its original bytes exactly (a snapshot
/// cut off at the end of its input ends without a newline), or rebuilt text.
pub fn render_text(snap: &Snapshot, interner: &Interner, out: &mut Vec<u8>) {
    if !snap.raw.is_empty() {
        out.extend_from_slice(&snap.raw);
    } else {
        rebuild(snap, interner, out);
    }
}

fn rebuild(snap: &Snapshot, interner: &Interner, out: &mut Vec<u8>) {
    if !snap.time_raw.is_empty() {
        line(out, &snap.time_raw);
    }
    if let Some(error) = &snap.error {
        line(out, error);
    }
    if !snap.status.has_profile() {
        return;
    }
    if snap.records.iter().any(|r| r.state != 0) {
        return rebuild_dump(snap, interner, out);
    }
    match snap.sample {
        // A custom profile's text keeps its first value, as a count.
        Sample::Count | Sample::Cpu | Sample::Custom { .. } => {
            let total = snap.total.unwrap_or_else(|| snap.counted());
            let kind = if snap.kind.is_empty() {
                "goroutine"
            } else {
                snap.kind.as_str()
            };
            line(out, &format!("{kind} profile: total {total}"));
        }
        Sample::Heap => {
            let sum = |i: usize| snap.records.iter().map(|r| r.values[i]).sum::<u64>();
            line(
                out,
                &format!(
                    "heap profile: {}: {} [{}: {}] @ heap/2",
                    sum(2),
                    sum(3),
                    sum(0),
                    sum(1)
                ),
            );
        }
        Sample::Contention => {
            let name = if snap.kind == Kind::Mutex {
                "mutex"
            } else {
                "contention"
            };
            line(
                out,
                &format!("--- {name}:\ncycles/second=1000000000\nsampling period=1"),
            );
        }
    }
    for record in &snap.records {
        let frames = interner.frames_of(record.stack);
        let values = match snap.sample {
            Sample::Count | Sample::Custom { .. } => record.count.to_string(),
            Sample::Heap => {
                let v = record.values;
                format!("{}: {} [{}: {}]", v[2], v[3], v[0], v[1])
            }
            Sample::Contention => format!("{} {}", record.values[1], record.values[0]),
            Sample::Cpu => format!("{} {}", record.values[0], record.values[1]),
        };
        out.extend_from_slice(values.as_bytes());
        write_addresses(record.truncated, frames.len(), out);
        let labels = snap.labels_text(record);
        if !labels.is_empty() {
            out.extend_from_slice(b"# labels: ");
            out.extend_from_slice(labels);
            out.push(b'\n');
        }
        for (depth, &id) in frames.iter().enumerate() {
            write_frame(interner.get(id), depth, out);
        }
        out.push(b'\n');
    }
}

/// Rebuilt frames get addresses from here up.
const FRAME_BASE: usize = 0x1000;

/// ` @ ...\n` after a record's values. A record that is not truncated gets
/// no addresses; a truncated one gets as many as the runtime's depth limit,
/// the root-most one matching its root frame.
fn write_addresses(truncated: bool, frames: usize, out: &mut Vec<u8>) {
    out.extend_from_slice(b" @");
    if truncated {
        let limit = DEPTH_LIMITS
            .into_iter()
            .find(|&limit| frames <= limit)
            .unwrap_or(DEPTH_LIMITS[1]);
        let shown = frames.min(limit);
        let hidden = 1..=limit - shown;
        let visible = (0..shown).map(|depth| FRAME_BASE + depth + 1);
        for pc in hidden.chain(visible) {
            out.extend_from_slice(format!(" 0x{pc:x}").as_bytes());
        }
    }
    out.push(b'\n');
}

fn write_frame(frame: &Frame, depth: usize, out: &mut Vec<u8>) {
    if frame.file.is_empty() && frame.func.starts_with(b"0x") {
        out.extend_from_slice(b"#\t");
        out.extend_from_slice(&frame.func);
    } else {
        out.extend_from_slice(format!("#\t0x{:x}\t", FRAME_BASE + depth).as_bytes());
        out.extend_from_slice(&frame.func);
        out.push(b'\t');
        out.extend_from_slice(&frame.file);
        out.extend_from_slice(format!(":{}", frame.line).as_bytes());
    }
    out.push(b'\n');
}

/// One goroutine block per goroutine of each record: the first with the
/// least minutes waited, the others with the most.
fn rebuild_dump(snap: &Snapshot, interner: &Interner, out: &mut Vec<u8>) {
    let mut id = 0;
    for record in &snap.records {
        for copy in 0..record.count {
            id += 1;
            let (least, most) = record.wait_minutes.unwrap_or((0, 0));
            let minutes = if copy == 0 { least } else { most };
            write_goroutine(id, record, minutes, interner, out);
        }
    }
}

fn write_goroutine(id: u64, record: &Record, minutes: u32, interner: &Interner, out: &mut Vec<u8>) {
    let state = interner.state_name(record.state);
    let wait = if minutes > 0 {
        format!(", {minutes} minutes")
    } else {
        String::new()
    };
    line(out, &format!("goroutine {id} [{state}{wait}]:"));
    for &frame in interner.frames_of(record.stack) {
        let frame = interner.get(frame);
        out.extend_from_slice(&frame.func);
        out.extend_from_slice(b"(...)\n");
        if !frame.file.is_empty() {
            out.push(b'\t');
            out.extend_from_slice(&frame.file);
            out.extend_from_slice(format!(":{}\n", frame.line).as_bytes());
        }
    }
    if record.truncated {
        line(out, "...additional frames elided...");
    }
    if record.creator != 0 {
        // Go 1.19's form: the creator's place is not kept.
        line(
            out,
            &format!("created by {}", interner.creator_name(record.creator)),
        );
    }
    out.push(b'\n');
}

fn line(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
    out.push(b'\n');
}
