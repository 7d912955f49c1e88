//! Protobuf (`profile.proto`) and gzip input, checked against `go tool pprof`.
//!
//! Every `.pb.gz` under `tests/fixtures/pb/` (Go 1.27 and 1.19, every kind,
//! cpu and goroutineleak included) is read by the real pipeline; each
//! sample's frames (function, file, line; inlined functions as frames of
//! their own), values and labels must equal `oracles/KIND.raw`, the output
//! of `go tool pprof -raw` by the same Go version, and so must the sums per
//! sample type. Then the logs: a gathering loop that forgot `?debug=1`, a
//! gzip'd log read exactly as the plain one, and the protobuf goroutine
//! profile naming the same stacks as its text form.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;

use common::{fixture, path, run, stdout};
use parseprof::Error;
use parseprof::assemble::{Consumer, Options};
use parseprof::input::Source;
use parseprof::model::{Interner, Snapshot};
use parseprof::pipeline;

/// One sample: frames leaf first (`func file:line`), values, sorted labels.
type Sample = (Vec<String>, Vec<u64>, Vec<(String, String)>);

/// A name as Go's text forms print it, type arguments as `[...]`; the
/// assembler names protobuf frames so, for them to match text ones.
fn print_name(name: &str) -> String {
    match (name.find('['), name.rfind(']')) {
        (Some(open), Some(close)) if open < close => {
            format!("{}[...]{}", &name[..open], &name[close + 1..])
        }
        _ => name.to_string(),
    }
}

/// What `go tool pprof -raw` says: sample type names and the samples.
fn oracle(text: &str) -> (Vec<String>, Vec<Sample>) {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|l| *l == "Samples:").unwrap() + 1;
    let types: Vec<String> = lines[start]
        .split_whitespace()
        .map(|t| t.split('/').next().unwrap().to_string())
        .collect();
    let locations_at = lines.iter().position(|l| *l == "Locations").unwrap();
    let mut locations: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    let mut current = 0;
    for line in &lines[locations_at + 1..] {
        if line.starts_with("Mappings") {
            break;
        }
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if let Some(id) = words.first().and_then(|w| w.strip_suffix(':')) {
            current = id.parse().unwrap();
            let address = words[1];
            words.drain(..2);
            if words.first().is_some_and(|w| w.starts_with("M=")) {
                words.remove(0);
            }
            // No line, or a line without a function (`  :0:0`, Go 1.27's
            // threadcreate): the frame is its address, as in text profiles.
            if words.is_empty() || words[0].starts_with(':') {
                locations
                    .entry(current)
                    .or_default()
                    .push(address.to_string());
                continue;
            }
        }
        if words.last().is_some_and(|w| w.starts_with("s=")) {
            words.pop();
        }
        // The name may hold spaces (`[go.shape.struct { ID int; ... }]`).
        let place = words[words.len() - 1];
        let func = print_name(&words[..words.len() - 1].join(" "));
        let mut parts: Vec<&str> = place.rsplitn(3, ':').collect();
        parts.reverse();
        // Go 1.27's pprof adds a column: file:line:col.
        let (file, number) = if parts.len() == 3 && parts[2].parse::<u64>().is_ok() {
            (parts[0].to_string(), parts[1])
        } else {
            (parts[..parts.len() - 1].join(":"), parts[parts.len() - 1])
        };
        locations
            .entry(current)
            .or_default()
            .push(format!("{func} {file}:{number}"));
    }
    let mut samples: Vec<Sample> = Vec::new();
    for line in &lines[start + 1..locations_at] {
        if let Some((values, ids)) = line.split_once(':')
            && !line.trim_start().contains('[')
        {
            let values = values
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect();
            let frames = ids
                .split_whitespace()
                .flat_map(|id| locations[&id.parse::<u64>().unwrap()].clone())
                .collect();
            samples.push((frames, values, Vec::new()));
        } else {
            let labels = &mut samples.last_mut().unwrap().2;
            for label in line.split_whitespace() {
                let (key, value) = label.split_once(":[").unwrap();
                labels.push((key.to_string(), value.trim_end_matches(']').to_string()));
            }
            labels.sort();
        }
    }
    (types, samples)
}

/// Collects the samples of every snapshot, as [`oracle`] has them.
#[derive(Default)]
struct Samples {
    snapshots: Vec<(String, String, u64, u64, Vec<Sample>)>,
}

impl Consumer for Samples {
    fn snapshot(&mut self, snap: &Snapshot, interner: &Interner) -> Result<(), Error> {
        let names = snap.sample.value_names(snap.kind.as_str());
        let samples = snap
            .records
            .iter()
            .map(|r| {
                let frames = interner
                    .frames_of(r.stack)
                    .iter()
                    .map(|&id| {
                        let f = interner.get(id);
                        let func = String::from_utf8_lossy(&f.func);
                        if f.file.is_empty() {
                            return func.into_owned();
                        }
                        format!("{func} {}:{}", String::from_utf8_lossy(&f.file), f.line)
                    })
                    .collect();
                let mut labels = snap.labels(r);
                labels.sort();
                (frames, r.values[..names.len()].to_vec(), labels)
            })
            .collect();
        self.snapshots.push((
            snap.kind.to_string(),
            snap.status.as_str().to_string(),
            snap.total.unwrap_or(0),
            snap.counted(),
            samples,
        ));
        Ok(())
    }
}

fn read(file: &str) -> Samples {
    let mut samples = Samples::default();
    pipeline::run(
        &[Source::File(fixture(file))],
        Options::default(),
        &mut samples,
    )
    .unwrap();
    samples
}

const KINDS: [&str; 8] = [
    "goroutine",
    "goroutineleak",
    "threadcreate",
    "heap",
    "allocs",
    "block",
    "mutex",
    "cpu",
];

#[test]
fn every_protobuf_profile_equals_pprof_raw() {
    let mut checked = 0;
    for go in ["go1.27", "go1.19"] {
        for kind in KINDS {
            let file = format!("pb/{go}/{kind}.pb.gz");
            if !fixture(&file).exists() {
                assert_eq!((go, kind), ("go1.19", "goroutineleak"), "{file} is missing");
                continue;
            }
            let raw = fs::read_to_string(fixture(&format!("pb/{go}/oracles/{kind}.raw"))).unwrap();
            let (types, mut want) = oracle(&raw);
            let got = read(&file);
            assert_eq!(got.snapshots.len(), 1, "{file}");
            let (got_kind, status, total, counted, mut samples) = got.snapshots[0].clone();
            assert_eq!(
                (got_kind.as_str(), status.as_str()),
                (kind, "complete"),
                "{file}"
            );
            assert_eq!(total, counted, "{file}");
            let snap_names: Vec<String> = types.clone();
            assert_eq!(
                samples.first().map_or(types.len(), |s| s.1.len()),
                types.len(),
                "{file}: {snap_names:?}"
            );
            let sums = |s: &[Sample]| -> Vec<u64> {
                (0..types.len())
                    .map(|i| s.iter().map(|x| x.1[i]).sum())
                    .collect()
            };
            // pprof drops samples without a location (Go 1.19's threadcreate
            // writes 7 threads so, which its text form counts as `7 @`); they
            // are kept, and left out only here.
            // Likewise an all-zero sample without labels (one in Go 1.19's heap).
            samples.retain(|s| !s.0.is_empty());
            samples.retain(|s| s.1.iter().any(|&v| v != 0) || !s.2.is_empty());
            assert_eq!(sums(&samples), sums(&want), "{file}: sums per sample type");
            samples.sort();
            want.sort();
            assert_eq!(samples.len(), want.len(), "{file}: samples");
            for (g, w) in samples.iter().zip(&want) {
                assert_eq!(g, w, "{file}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
}

#[test]
fn the_protobuf_goroutine_profile_keeps_runtime_frames() {
    let got = read("pb/go1.27/goroutine.pb.gz");
    let leaves: Vec<&str> = got.snapshots[0].4.iter().map(|s| s.0[0].as_str()).collect();
    assert!(
        leaves.iter().any(|f| f.starts_with("runtime.gopark ")),
        "{leaves:?}"
    );
}

/// The bytes after each `date` line of a log without `?debug=1`, decoded on their own.
fn members(log: &[u8]) -> Vec<u64> {
    let mut counts = Vec::new();
    let mut rest = log;
    while let Some(at) = rest.windows(2).position(|w| w == [0x1f, 0x8b]) {
        let mut decoder = flate2::bufread::GzDecoder::new(&rest[at..]);
        let mut out = Vec::new();
        decoder.read_to_end(&mut out).unwrap();
        let profile = parseprof::input::pprof::decode(&out).unwrap();
        counts.push(profile.sample.iter().map(|s| s.value[0] as u64).sum());
        let left = decoder.into_inner().len();
        rest = &rest[rest.len() - left..];
    }
    counts
}

#[test]
fn a_loop_without_debug_1_gives_complete_goroutine_rows() {
    for go in ["go1.27", "go1.19"] {
        let file = format!("pb/{go}/prof-nodebug.log");
        let want = members(&fs::read(fixture(&file)).unwrap());
        assert_eq!(want.len(), 8, "{file}");
        let output = run("pp-totals", &[&path(&file)], None);
        assert_eq!(output.status.code(), Some(0), "{file}");
        let csv = stdout(&output);
        let rows: Vec<Vec<&str>> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), 8, "{file}: {csv}");
        for (row, want) in rows.iter().zip(&want) {
            assert_eq!((row[3], row[6]), ("goroutine", "complete"), "{file}");
            assert_eq!(row[4], want.to_string(), "{file}");
            assert!(!row[1].is_empty(), "{file}: the date line's time");
        }
    }
}

#[test]
fn a_gzip_log_reads_as_the_plain_log() {
    let gz = path("pb/batch-prof.log.gz");
    let plain = path("go1.19/batch/prof.log");
    let bytes = fs::read(&gz).unwrap();
    for (bin, args) in [
        ("pp-totals", vec![]),
        ("pp-fold", vec![]),
        ("pp-split", vec![]),
        ("pp-split", vec!["--text"]),
        ("pp-html", vec![]),
    ] {
        let want = run(bin, &[args.clone(), vec![plain.as_str()]].concat(), None);
        let got = run(bin, &[args.clone(), vec![gz.as_str()]].concat(), None);
        assert_eq!(got.status.code(), Some(0), "{bin} {args:?}");
        // pp-html names its input on the page (with break hints): for it,
        // only the piped runs below, both named <stdin>, must be equal.
        assert!(
            bin == "pp-html" || got.stdout == want.stdout,
            "{bin} {args:?}: the .gz differs"
        );
        let plain_piped = run(bin, &args, Some(fs::read(&plain).unwrap()));
        let piped = run(bin, &args, Some(bytes.clone()));
        assert!(
            piped.stdout == plain_piped.stdout,
            "{bin} {args:?}: cat .gz | differs from cat log |"
        );
    }
}

/// Folded stacks without `runtime.` frames (debug=1 hides the leaf-most ones
/// and `runtime.goexit`) and without counts; deep recursions are cut at
/// different depths by the two forms, so they are left out.
fn non_runtime_stacks(folded: &str) -> std::collections::BTreeSet<String> {
    folded
        .lines()
        .filter(|l| !l.contains("indexDepthFirst"))
        .map(|l| {
            let stack = l.rsplit_once(' ').unwrap().0;
            let frames: Vec<&str> = stack
                .split(';')
                .filter(|f| !f.starts_with("runtime."))
                .collect();
            frames.join(";")
        })
        .collect()
}

#[test]
fn protobuf_and_text_name_the_same_stacks() {
    for go in ["go1.27", "go1.19"] {
        let fold = |file: &str| {
            let output = run("pp-fold", &[&path(&format!("pb/{go}/{file}"))], None);
            assert_eq!(output.status.code(), Some(0), "{go}/{file}");
            non_runtime_stacks(&stdout(&output))
        };
        let pb = fold("goroutine.pb.gz");
        let text = fold("goroutine-debug1.txt");
        assert!(pb.len() > 10, "{go}");
        // One goroutine moved between the two captures under Go 1.19: the
        // HTTP connection's background read was in a syscall for one, parked
        // for the other. Every other stack is in both.
        let moved = |s: &&String| s.starts_with("net/http.(*connReader).backgroundRead;");
        let only_pb: Vec<_> = pb.difference(&text).filter(|s| !moved(s)).collect();
        let only_text: Vec<_> = text.difference(&pb).filter(|s| !moved(s)).collect();
        assert!(
            only_pb.is_empty() && only_text.is_empty(),
            "{go}: {only_pb:?} {only_text:?}"
        );
        assert!(pb.difference(&text).count() <= 1, "{go}");
    }
}

#[test]
fn binary_data_that_is_no_profile_is_one_clear_line() {
    let dir = std::env::temp_dir().join(format!("pp-pb-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("input.bin");
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    fs::write(&bin, &garbage).unwrap();
    let output = run("pp-totals", &[bin.to_str().unwrap()], None);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr.contains("input.bin: not a Go profile (binary data; gzip? protobuf?) at byte 0\n"),
        "{stderr}"
    );
    assert!(stderr.is_ascii() && stderr.lines().count() <= 3, "{stderr}");
    fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn pp_split_dir_writes_protobuf_snapshots_as_pb_gz() {
    let dir = std::env::temp_dir().join(format!("pp-pb-dir-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let file = path("pb/go1.27/prof-nodebug.log");
    let output = run("pp-split", &["--dir", dir.to_str().unwrap(), &file], None);
    assert_eq!(output.status.code(), Some(0));
    let want = members(&fs::read(&file).unwrap());
    let written: Vec<String> = stdout(&output).lines().map(String::from).collect();
    assert_eq!(written.len(), 8);
    for (path, want) in written.iter().zip(&want) {
        assert!(path.ends_with(".pb.gz"), "{path}");
        // Each file is the member as read: a profile on its own.
        let bytes = fs::read(path).unwrap();
        assert_eq!(members(&bytes), [*want], "{path}");
    }
    fs::remove_dir_all(&dir).unwrap();
}

/// `pp-split --dir` writes a protobuf snapshot as its profile alone
/// (`NNNNNN.pb.gz`, the gzip member exactly as served, which go tool pprof
/// reads); `--text` keeps the timestamp line too, a log that reads back.
#[test]
fn split_writes_a_protobuf_snapshot_as_it_came() {
    let file = "pb/go1.27/prof-nodebug.log";
    let log = fs::read(fixture(file)).unwrap();
    let dir = std::env::temp_dir().join(format!("pp-pb-split-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    let output = run(
        "pp-split",
        &["--dir", dir.to_str().unwrap(), &path(file)],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let paths: Vec<String> = stdout(&output).lines().map(String::from).collect();
    assert_eq!(paths.len(), 8);
    let mut rest = &log[..];
    for (i, p) in paths.iter().enumerate() {
        assert!(p.ends_with(&format!("{i:06}.pb.gz")), "{p}");
        let bytes = fs::read(p).unwrap();
        assert_eq!(&bytes[..2], [0x1f, 0x8b], "{p}");
        let at = rest.windows(bytes.len()).position(|w| w == bytes);
        let at = at.unwrap_or_else(|| panic!("{p}: not the log's bytes"));
        rest = &rest[at + bytes.len()..];
        let totals = run("pp-totals", &["-q", p], None);
        assert_eq!(totals.status.code(), Some(0), "{p}");
    }
    fs::remove_dir_all(&dir).unwrap();
    let text = run("pp-split", &["--text", &path(file)], None);
    assert_eq!(text.stdout, log, "--text gives the log back");
}

/// A CPU profile's pp-totals row: the samples are its total, the `cpu`
/// column their nanoseconds (go tool pprof's sums).
#[test]
fn totals_of_a_cpu_profile() {
    for go in ["go1.27", "go1.19"] {
        let raw = fs::read_to_string(fixture(&format!("pb/{go}/oracles/cpu.raw"))).unwrap();
        let (types, want) = oracle(&raw);
        assert_eq!(types, ["samples", "cpu"], "{go}");
        let sum = |i: usize| want.iter().map(|s| s.1[i]).sum::<u64>().to_string();
        let output = run("pp-totals", &[&path(&format!("pb/{go}/cpu.pb.gz"))], None);
        let csv = stdout(&output);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let row: Vec<&str> = lines.next().unwrap().split(',').collect();
        let col = |name: &str| row[header.iter().position(|&h| h == name).unwrap()];
        assert_eq!(
            (col("kind"), col("total"), col("cpu")),
            ("cpu", sum(0).as_str(), sum(1).as_str()),
            "{go}"
        );
    }
}

/// pp-split's JSON of every protobuf profile reads back as the same
/// snapshot: the same JSON again (sample types and the profile's own time
/// included) and the same folded stacks.
#[test]
fn protobuf_snapshots_survive_json() {
    for go in ["go1.27", "go1.19"] {
        for kind in KINDS {
            let file = path(&format!("pb/{go}/{kind}.pb.gz"));
            if !std::path::Path::new(&file).exists() {
                continue;
            }
            let json = run("pp-split", &["-q", &file], None).stdout;
            let again = run("pp-split", &["-q"], Some(json.clone())).stdout;
            assert!(again == json, "{go}/{kind}: JSON changed on reading");
            let folded = run("pp-fold", &["-q", &file], None).stdout;
            let from_json = run("pp-fold", &["-q"], Some(json)).stdout;
            assert!(from_json == folded, "{go}/{kind}: folded from JSON differs");
        }
    }
}

/// A profile with sample types that are not Go's: each value keeps its
/// name (pp-split's sample_types, pp-fold --value), the default is the
/// profile's default_sample_type, as in pprof.
#[test]
fn custom_sample_types_keep_their_names() {
    use parseprof::input::pprof::message::{
        Function, Line, Location, Profile, Sample as PbSample, ValueType,
    };
    use prost::Message;
    let strings: Vec<Vec<u8>> = [
        "",
        "space",
        "bytes",
        "objects",
        "count",
        "main.work",
        "w.go",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    let profile = Profile {
        sample_type: vec![
            ValueType { r#type: 1, unit: 2 },
            ValueType { r#type: 3, unit: 4 },
        ],
        sample: vec![
            PbSample {
                location_id: vec![1],
                value: vec![4096, 3],
                label: vec![],
            },
            PbSample {
                location_id: vec![1],
                value: vec![1024, 1],
                label: vec![],
            },
        ],
        location: vec![Location {
            id: 1,
            address: 0x1000,
            line: vec![Line {
                function_id: 1,
                line: 7,
            }],
        }],
        function: vec![Function {
            id: 1,
            name: 5,
            filename: 6,
        }],
        string_table: strings,
        default_sample_type: 3,
        ..Profile::default()
    };
    let dir = std::env::temp_dir().join(format!("pp-pb-custom-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let file = dir.join("custom.pb.gz");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut gz, &profile.encode_to_vec()).unwrap();
    fs::write(&file, gz.finish().unwrap()).unwrap();
    let file = file.to_str().unwrap();
    let json = stdout(&run("pp-split", &["-q", file], None));
    assert!(
        json.contains(r#""sample_types":["space","objects"]"#),
        "{json}"
    );
    assert!(json.contains(r#""values":[4096,3]"#), "{json}");
    assert_eq!(
        stdout(&run("pp-fold", &["-q", file], None)),
        "main.work 4\n"
    );
    let space = run("pp-fold", &["-q", "--value", "space", file], None);
    assert_eq!(stdout(&space), "main.work 5120\n");
    let from_json = run(
        "pp-fold",
        &["-q", "--value", "space"],
        Some(json.into_bytes()),
    );
    assert_eq!(stdout(&from_json), "main.work 5120\n");
    let wrong = run("pp-fold", &["-q", "--value", "delay", file], None);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("space, objects"));
    fs::remove_dir_all(&dir).unwrap();
}
