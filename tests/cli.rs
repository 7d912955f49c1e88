//! Unix manners shared by every binary: --help, --version, usage errors exit 2,
//! a closed stdout ends the program quietly.

mod common;

use std::io::{Read, Write};

use common::{run, spawn, stderr, stdout};

const BINS: &[&str] = &["pp-fold", "pp-html", "pp-split", "pp-totals"];

#[test]
fn help_lists_every_flag_of_the_man_page() {
    for name in BINS {
        let output = run(name, &["--help"], None);
        assert_eq!(output.status.code(), Some(0), "{name}");
        let help = stdout(&output);
        assert!(help.contains(&format!("Usage: {name} ")), "{name}: {help}");
        assert!(
            help.contains("Exit status:") && help.contains("Examples:"),
            "{name}"
        );
        let page = std::fs::read_to_string(format!("{}/man/{name}.1", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        for flag in page.split("\\fB\\-\\-").skip(1) {
            let flag = flag.split("\\fP").next().unwrap().replace("\\-", "-");
            assert!(
                help.contains(&format!("--{flag}")),
                "{name}: --{flag} missing from --help"
            );
        }
    }
}

#[test]
fn version_prints_the_crate_version() {
    for name in BINS {
        let output = run(name, &["--version"], None);
        assert_eq!(output.status.code(), Some(0));
        assert!(
            stdout(&output).contains(env!("CARGO_PKG_VERSION")),
            "{name}"
        );
    }
}

#[test]
fn usage_errors_exit_2_with_a_hint() {
    let cases: &[(&str, &[&str])] = &[
        ("pp-totals", &["--no-such-flag"]),
        ("pp-split", &["--first", "1", "--last", "1"]),
        ("pp-split", &["--every", "0"]),
        ("pp-split", &["--status", "done"]),
        ("pp-split", &["--since", "yesterday"]),
        ("pp-split", &["--text", "--dir", "d"]),
    ];
    for (name, args) in cases {
        let output = run(name, args, Some(Vec::new()));
        assert_eq!(output.status.code(), Some(2), "{name} {args:?}");
        let text = stderr(&output);
        assert!(text.starts_with(&format!("{name}: ")), "{text}");
        assert!(
            text.ends_with(&format!("Try '{name} --help' for more information.\n")),
            "{text}"
        );
        assert!(output.stdout.is_empty());
    }
}

/// `pp-split prof.log | head -1`: the reader goes away early. The input has
/// 20000 snapshots, each with its own stack, so that every binary has far more
/// to write than a pipe holds.
#[test]
fn closed_stdout_is_a_quiet_success() {
    let input: String = (0..20_000)
        .map(|i| format!("goroutine profile: total 1\n1 @ 0x2\n#\t0x1\tmain.f{i}+0x1\t/a.go:1\n\n"))
        .collect();
    for name in BINS {
        let mut child = spawn(name, &[]);
        let mut stdin = child.stdin.take().unwrap();
        let input = input.clone();
        let feeder = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut errors = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut errors)
            .unwrap();
        let status = child.wait().unwrap();
        feeder.join().unwrap();
        assert_eq!(status.code(), Some(0), "{name}");
        assert_eq!(errors, "", "{name}");
    }
}

#[test]
fn version_names_the_program() {
    for name in BINS {
        for flag in ["-V", "--version"] {
            let output = run(name, &[flag], None);
            assert_eq!(output.status.code(), Some(0), "{name}");
            assert_eq!(
                stdout(&output),
                format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
            );
        }
    }
}

/// `pp-totals missing.log prof.log`: as cat does, the unreadable file is
/// named and the others are still read; the run exits 1 at the end.
#[test]
fn an_unreadable_file_does_not_stop_the_others() {
    let log = common::path("go1.27/shop/prof.log");
    for name in BINS {
        let alone = run(name, &[&log], None);
        let output = run(name, &["no/such.log", &log, "missing.log"], None);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        // Three sources were given (the readable one is `prof`): pp-totals
        // and pp-split say which rows are whose.
        let (got, alone) = (stdout(&output), stdout(&alone));
        match *name {
            "pp-html" => {
                // The page names every input it was given; its data is the one file's.
                assert!(got.contains("50 complete") && got.trim_end().ends_with("</html>"));
            }
            "pp-totals" => {
                let expected: String = alone
                    .lines()
                    .enumerate()
                    .map(|(i, l)| format!("{}{l}\n", if i == 0 { "source," } else { "prof," }))
                    .collect();
                assert_eq!(got, expected);
            }
            "pp-split" => {
                assert_eq!(
                    got,
                    alone.replace("\n{", "\n{\"source\":\"prof\",").replacen(
                        '{',
                        "{\"source\":\"prof\",",
                        1
                    )
                );
            }
            _ => assert!(got == alone, "{name}"),
        }
        let errors = stderr(&output);
        let lines: Vec<&str> = errors.lines().collect();
        assert_eq!(
            lines[..2],
            [
                format!("{name}: no/such.log: No such file or directory"),
                format!("{name}: missing.log: No such file or directory"),
            ],
            "{errors}"
        );
        assert_eq!(lines[2], format!("{name}: 50 snapshots: 50 complete"));
    }
    // Nothing readable: nothing on stdout, not even a CSV header.
    let none = run("pp-totals", &["missing.log"], None);
    assert_eq!(
        (none.status.code(), stdout(&none)),
        (Some(1), String::new())
    );
}

/// `pp-html -o FILE` writes the same page as stdout, all at once, and
/// leaves an existing file alone when there is nothing to report.
#[test]
fn pp_html_output_file_is_written_whole_or_not_at_all() {
    let log = common::path("go1.27/shop/prof.log");
    let dir = std::env::temp_dir().join(format!("parseprof-o-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prof.html");
    let file_arg = file.to_str().unwrap();
    let written = run("pp-html", &["-q", "-o", file_arg, &log], None);
    assert_eq!(written.status.code(), Some(0), "{}", stderr(&written));
    assert_eq!(stdout(&written), "");
    let piped = run("pp-html", &["-q", &log], None);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), stdout(&piped));

    let empty = run(
        "pp-html",
        &["-q", "-o", file_arg],
        Some(b"not a profile\n".to_vec()),
    );
    assert_eq!(empty.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        stdout(&piped),
        "kept"
    );
    let left: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["prof.html"], "no temporary file left");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A terminal is no place for 100 KB of HTML: pp-html says where to put it.
#[test]
fn pp_html_refuses_a_terminal() {
    let log = common::path("go1.27/shop/prof.log");
    // script(1) gives the command a terminal as its stdout.
    let Ok(output) = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} {log}", common::bin("pp-html").display()),
            "/dev/null",
        ])
        .output()
    else {
        panic!("script(1) is needed (apt-get install bsdutils)");
    };
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(
        text.contains("pp-html: standard output is a terminal"),
        "{text}"
    );
    assert!(!text.contains("<html"), "{text}");
}

#[test]
fn first_and_last_zero_are_usage_errors() {
    for flag in ["--first", "--last", "--every"] {
        let output = run("pp-split", &[flag, "0"], Some(Vec::new()));
        assert_eq!(output.status.code(), Some(2), "{flag}: {}", stderr(&output));
        assert!(stderr(&output).contains("N must be at least 1"), "{flag}");
    }
}
