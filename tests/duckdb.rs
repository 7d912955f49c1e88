//! pp-totals' CSV and pp-split's JSON lines load into DuckDB with no
//! options, typed as a user would want, and the README's SQL recipes run on
//! them and answer right.
//!
//! Needs Python's `duckdb` package (`pip install duckdb`). Without it the
//! tests say so on stderr and pass, unless `PP_REQUIRE_TOOLS=1` (set by
//! `.ci/run`).

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

use common::{path, run, stderr};

/// Runs `sql` in DuckDB with `dir` as the working directory; each row of
/// the last statement's result as `a|b|c`. `None` when DuckDB is missing.
fn duckdb(dir: &Path, sql: &str) -> Option<Vec<String>> {
    let script = "import duckdb, sys\n\
        rows = duckdb.sql(sys.argv[1]).fetchall()\n\
        for row in rows: print('|'.join('' if v is None else str(v) for v in row))\n";
    let out = Command::new("python3")
        .current_dir(dir)
        .args(["-c", script, sql])
        .output()
        .ok()?;
    let missing = String::from_utf8_lossy(&out.stderr).contains("No module named 'duckdb'");
    if missing {
        return None;
    }
    assert!(
        out.status.success(),
        "{sql}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect(),
    )
}

fn skip() {
    let required = env::var("PP_REQUIRE_TOOLS").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "PP_REQUIRE_TOOLS=1 but Python's duckdb is missing"
    );
    let _ = writeln!(
        std::io::stderr(),
        "tests/duckdb.rs: skipped, python3 -c 'import duckdb' failed (pip install duckdb)"
    );
}

/// Three pods, one leaking, one whose server answered errors only.
fn fleet(dir: &Path) {
    let sources = [
        format!("--source=pod-a={}", path("go1.19/batch/prof.log")),
        format!("--source=pod-b={}", path("go1.27/shop/prof.log")),
        format!("--source=pod-c={}", path("go1.27/shop/prof-error-body.log")),
    ];
    for (binary, file) in [("pp-totals", "totals.csv"), ("pp-split", "snapshots.jsonl")] {
        let args: Vec<&str> = ["-q"]
            .into_iter()
            .chain(sources.iter().map(String::as_str))
            .collect();
        let out = run(binary, &args, None);
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "{}",
            stderr(&out)
        );
        fs::write(dir.join(file), &out.stdout).unwrap();
    }
}

fn workdir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    fs::create_dir_all(&dir).unwrap();
    fleet(&dir);
    dir
}

#[test]
fn csv_and_json_load_with_their_types() {
    let dir = workdir("duckdb-types");
    let Some(columns) = duckdb(
        &dir,
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_csv_auto('totals.csv'))",
    ) else {
        return skip();
    };
    assert_eq!(
        columns,
        [
            "source|VARCHAR",
            "index|BIGINT",
            "time|TIMESTAMP",
            "elapsed_s|BIGINT",
            "kind|VARCHAR",
            "total|BIGINT",
            "records|BIGINT",
            "status|VARCHAR",
        ]
    );
    // Empty cells are NULL: the error-only pod has no totals, no kind.
    let nulls = duckdb(
        &dir,
        "SELECT count(*), count(total), count(kind) FROM read_csv_auto('totals.csv') WHERE source = 'pod-c'",
    )
    .unwrap();
    assert_eq!(nulls, ["8|0|0"]);
    // Times with an offset (from the log, or given by --tz): TIMESTAMPTZ.
    for args in [
        vec!["-q".to_string(), path("go1.27/shop/prof-iso.log")],
        vec![
            "-q".into(),
            "--tz".into(),
            "Asia/Kolkata".into(),
            path("go1.27/shop/prof.log"),
        ],
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fs::write(dir.join("zoned.csv"), run("pp-totals", &args, None).stdout).unwrap();
        let time = duckdb(
            &dir,
            "SELECT column_type FROM (DESCRIBE SELECT * FROM read_csv_auto('zoned.csv')) \
             WHERE column_name = 'time'",
        )
        .unwrap();
        assert_eq!(time, ["TIMESTAMP WITH TIME ZONE"], "{args:?}");
    }
    let json = duckdb(
        &dir,
        "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_json_auto('snapshots.jsonl')) \
         WHERE column_name IN ('source', 'index', 'time', 'total', 'status') ORDER BY column_name",
    )
    .unwrap();
    assert_eq!(
        json,
        [
            "index|BIGINT",
            "source|VARCHAR",
            "status|VARCHAR",
            "time|TIMESTAMP",
            "total|BIGINT"
        ]
    );
}

/// The ```sql blocks of README's "At fleet scale".
fn readme_recipes() -> Vec<String> {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## At fleet scale")
        .nth(1)
        .expect("the section");
    let section = section.split("\n## ").next().unwrap();
    section
        .split("```sql\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap().to_string())
        .collect()
}

#[test]
fn the_readme_recipes_answer_right() {
    let dir = workdir("duckdb-recipes");
    let recipes = readme_recipes();
    assert_eq!(recipes.len(), 3, "README's SQL recipes");
    let Some(growth) = duckdb(&dir, &recipes[0]) else {
        return skip();
    };
    // pod-b leaks (55 -> 551); pod-a is flat; pod-c never answered.
    assert_eq!(growth[0], "pod-b|496");
    assert!(growth.contains(&"pod-a|0".to_string()), "{growth:?}");
    let per_minute = duckdb(&dir, &recipes[1]).unwrap();
    let pod_b: Vec<&String> = per_minute
        .iter()
        .filter(|r| r.starts_with("pod-b|"))
        .collect();
    assert_eq!(pod_b.len(), 2, "15:13 and 15:14: {per_minute:?}");
    assert!(pod_b[0].contains("2026-11-27 15:13:00"), "{pod_b:?}");
    let top = duckdb(&dir, &recipes[2]).unwrap();
    assert_eq!(top.len(), 5);
    assert!(
        top[0].starts_with("pod-b|") && top[0].ends_with("|main.(*Server).quote"),
        "{top:?}"
    );
}
