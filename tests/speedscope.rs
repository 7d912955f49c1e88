//! `pp-fold --speedscope`: every profile is the snapshot pp-fold folds, and
//! the file is valid against the file-format schema the speedscope npm
//! package ships.
//!
//! The schema check needs Python's `jsonschema` and the schema file
//! (`SPEEDSCOPE_SCHEMA`, or `target/ci/node_modules/speedscope/…`, where
//! `.ci/run` installs it with npm). Without them the check says so on
//! stderr and passes, unless `PP_REQUIRE_TOOLS=1` (set by `.ci/run`).

mod common;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::Command;
use std::{env, fs};

use common::{path, run, stderr, stdout};
use serde_json::Value;

fn speedscope(args: &[&str]) -> Value {
    let out = run("pp-fold", &[&["-q", "--speedscope"], args].concat(), None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A profile as folded lines: each sample's frame names joined by `;`.
fn as_folded(file: &Value, profile: &Value) -> BTreeMap<String, u64> {
    let frames = file["shared"]["frames"].as_array().unwrap();
    let mut lines = BTreeMap::new();
    let samples = profile["samples"].as_array().unwrap();
    let weights = profile["weights"].as_array().unwrap();
    assert_eq!(samples.len(), weights.len());
    for (sample, weight) in samples.iter().zip(weights) {
        let names: Vec<&str> = sample
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                frames[i.as_u64().unwrap() as usize]["name"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        *lines.entry(names.join(";")).or_default() += weight.as_u64().unwrap();
    }
    lines
}

#[test]
fn each_profile_is_a_snapshot_as_pp_fold_folds_it() {
    let log = path("go1.27/shop/prof.log");
    let file = speedscope(&[&log]);
    assert_eq!(
        file["$schema"],
        "https://www.speedscope.app/file-format-schema.json"
    );
    let profiles = file["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 50);
    // pp-fold --per-snapshot: `TIME;stack COUNT`, per snapshot.
    let per = stdout(&run("pp-fold", &["-q", "--per-snapshot", &log], None));
    let mut by_time: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for line in per.lines() {
        let (stack, count) = line.rsplit_once(' ').unwrap();
        let (time, stack) = stack.split_once(';').unwrap();
        by_time
            .entry(time.to_string())
            .or_default()
            .insert(stack.to_string(), count.parse().unwrap());
    }
    for profile in profiles {
        let name = profile["name"].as_str().unwrap();
        let lines = as_folded(&file, profile);
        assert_eq!(lines, by_time[name], "snapshot {name}");
        let total: u64 = lines.values().sum();
        assert_eq!(profile["endValue"].as_u64(), Some(total));
        assert_eq!(profile["unit"], "none");
    }
    // A heap profile weighs in bytes (inuse_space).
    let heap = speedscope(&[&path("go1.27/shop/snapshots/heap-debug1.txt")]);
    assert_eq!(heap["profiles"][0]["unit"], "bytes");
    assert_eq!(heap["profiles"][0]["endValue"], 1573504);
}

#[test]
fn source_root_gives_one_profile_per_source() {
    let shop = format!("--source=shop={}", path("go1.27/shop/prof.log"));
    let batch = format!("--source=batch={}", path("go1.19/batch/prof.log"));
    let file = speedscope(&["--source-root", &shop, &batch]);
    let profiles = file["profiles"].as_array().unwrap();
    let names: Vec<&str> = profiles
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shop", "batch"]);
    let alone = stdout(&run(
        "pp-fold",
        &["-q", &path("go1.19/batch/prof.log")],
        None,
    ));
    let expected: BTreeMap<String, u64> = alone
        .lines()
        .map(|l| {
            let (s, c) = l.rsplit_once(' ').unwrap();
            (s.to_string(), c.parse().unwrap())
        })
        .collect();
    assert_eq!(as_folded(&file, &profiles[1]), expected);
    let bad = run(
        "pp-fold",
        &["--speedscope", "--diff", &path("go1.27/shop/prof.log")],
        None,
    );
    assert_eq!(bad.status.code(), Some(2));
}

fn schema() -> Option<PathBuf> {
    let candidates = [
        env::var_os("SPEEDSCOPE_SCHEMA").map(PathBuf::from),
        Some(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("target/ci/node_modules/speedscope/dist/release/file-format-schema.json"),
        ),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

#[test]
fn files_are_valid_against_the_speedscope_schema() {
    let required = env::var("PP_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    let has_jsonschema = Command::new("python3")
        .args(["-c", "import jsonschema"])
        .status()
        .is_ok_and(|s| s.success());
    let Some(schema) = schema().filter(|_| has_jsonschema) else {
        assert!(
            !required,
            "PP_REQUIRE_TOOLS=1 but the speedscope schema or jsonschema is missing"
        );
        let _ = writeln!(
            std::io::stderr(),
            "tests/speedscope.rs: schema check skipped (npm install --prefix target/ci speedscope; \
             pip install jsonschema)"
        );
        return;
    };
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("speedscope");
    fs::create_dir_all(&dir).unwrap();
    let shop = format!("--source=shop={}", path("go1.27/shop/prof.log"));
    let cases: [(&str, Vec<String>); 4] = [
        ("log", vec![path("go1.27/shop/prof.log")]),
        ("heap", vec![path("go1.27/shop/snapshots/heap-debug1.txt")]),
        ("dump", vec![path("go1.27/shop/prof-debug2.log")]),
        ("sources", vec!["--source-root".into(), shop]),
    ];
    for (name, args) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let file = dir.join(format!("{name}.json"));
        fs::write(&file, serde_json::to_vec(&speedscope(&args)).unwrap()).unwrap();
        let check = Command::new("python3")
            .args([
                "-c",
                "import json, sys, jsonschema; \
                 jsonschema.validate(json.load(open(sys.argv[2])), json.load(open(sys.argv[1])))",
            ])
            .arg(&schema)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
}
