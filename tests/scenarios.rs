//! Leak scenarios with a known truth: logs generated here from the real
//! records of one snapshot of the steady batch service
//! (`tests/fixtures/go1.19/batch/prof.log`, Go 1.19), each record's count
//! drawn per snapshot (Poisson noise around its real count, warm-ups,
//! sawtooths, bursts, backlogs, leaks), with `date +%s` lines between.
//! Every scenario without a leak must give no suspect; every leak must put
//! the true stack first. `scenario_table` prints the detection delay (the
//! fewest snapshots after the leak began from which the true stack is
//! listed first) and how many suspects each scenario lists.

mod common;

use common::{path, run, stderr, stdout};

/// The real records of the batch service's first snapshot: each one's
/// count and the rest of its text (`@` line, frames).
fn real_records() -> Vec<(u64, String)> {
    let log = std::fs::read_to_string(path("go1.19/batch/prof.log")).unwrap();
    let first = log.split("\nFri ").next().unwrap();
    let body = first.split_once("goroutine profile: total 28\n").unwrap().1;
    body.split("\n\n")
        .filter(|b| !b.trim().is_empty())
        .map(|block| {
            let (count, rest) = block.split_once(' ').unwrap();
            (count.parse().unwrap(), rest.trim_end().to_string())
        })
        .collect()
}

/// The index of the real record whose frames mention `function`.
fn record_of(records: &[(u64, String)], function: &str) -> usize {
    records
        .iter()
        .position(|(_, text)| text.contains(&format!("\t{function}+")))
        .unwrap_or_else(|| panic!("no record of {function}"))
}

/// A small deterministic generator (xorshift64*), and Poisson draws from it.
struct Rng(u64);

impl Rng {
    fn unit(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    }

    fn poisson(&mut self, mean: f64) -> u64 {
        let limit = (-mean).exp();
        let (mut k, mut p) = (0, self.unit());
        while p > limit {
            k += 1;
            p *= self.unit();
        }
        k
    }
}

/// One snapshot's counts: (record index, labels or "", count).
type Counts = Vec<(usize, String, u64)>;

/// A log of the snapshots, `period` seconds apart. `None` is a date line
/// with nothing after it (the program unreachable).
fn log(records: &[(u64, String)], period: u64, snapshots: &[Option<Counts>]) -> Vec<u8> {
    let mut out = String::new();
    for (i, counts) in snapshots.iter().enumerate() {
        out.push_str(&format!("{}\n", 1_795_000_000 + i as u64 * period));
        let Some(counts) = counts else { continue };
        let total: u64 = counts.iter().map(|c| c.2).sum();
        out.push_str(&format!("goroutine profile: total {total}\n"));
        for (record, labels, count) in counts {
            if *count == 0 {
                continue;
            }
            let text = &records[*record].1;
            let (at, frames) = text.split_once('\n').unwrap();
            out.push_str(&format!("{count} {at}\n"));
            if !labels.is_empty() {
                out.push_str(&format!("# labels: {labels}\n"));
            }
            out.push_str(frames);
            out.push_str("\n\n");
        }
    }
    out.into_bytes()
}

/// The service at rest: every record Poisson around its real count.
fn at_rest(records: &[(u64, String)], rng: &mut Rng, skip: &[usize]) -> Counts {
    (0..records.len())
        .filter(|i| !skip.contains(i))
        .map(|i| (i, String::new(), rng.poisson(records[i].0 as f64)))
        .collect()
}

/// One scenario: its log, the function that marks the leaking stack (none
/// when there is no leak), the snapshot the leak begins at, extra flags.
struct Scenario {
    name: &'static str,
    snapshots: Vec<Option<Counts>>,
    period: u64,
    leak: Option<&'static str>,
    leak_from: usize,
    args: Vec<&'static str>,
}

/// The suspects' rows of `pp-totals --leaks` on `log`, or the stderr line
/// when it cannot judge.
fn suspects(log: Vec<u8>, args: &[&str]) -> Result<Vec<Vec<String>>, String> {
    let mut all = vec!["-q", "--leaks"];
    all.extend_from_slice(args);
    let output = run("pp-totals", &all, Some(log));
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    if text.is_empty() {
        return Err(stderr(&output));
    }
    let mut rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    rows.retain(|r| !r.is_empty());
    Ok(rows)
}

fn scenarios() -> Vec<Scenario> {
    let records = real_records();
    let worker = record_of(&records, "main.(*Pool).worker");
    let serve = record_of(&records, "main.serveConn");
    let greet = record_of(&records, "main.awaitGreeting");
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let mut all = Vec::new();
    let plain = |name, snapshots, period| Scenario {
        name,
        snapshots,
        period,
        leak: None,
        leak_from: 0,
        args: Vec::new(),
    };
    // A pool warming up, 1 -> 10 in 5 s, then flat for 115 s.
    let warm: Vec<_> = (0..120)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[worker]);
            c.push((worker, String::new(), (1 + 2 * i as u64).min(10)));
            Some(c)
        })
        .collect();
    all.push(plain("warm-up plateau", warm, 1));
    // A batch filling up to 45 over 10 snapshots, then done, 6 times.
    let saw: Vec<_> = (0..60)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[worker]);
            c.push((worker, String::new(), (i % 10) as u64 * 5));
            Some(c)
        })
        .collect();
    all.push(plain("sawtooth batch", saw, 1));
    // Requests in flight: mostly 2, bursts of 40 now and then.
    let bursty: Vec<_> = (0..90)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[serve]);
            let burst = matches!(i % 23, 15..=17) || matches!(i % 37, 30..=31);
            c.push((
                serve,
                String::new(),
                rng.poisson(if burst { 40.0 } else { 2.0 }),
            ));
            Some(c)
        })
        .collect();
    all.push(plain("bursty traffic", bursty, 1));
    // A backlog of 50 drained over 25 s, then idle.
    let drained: Vec<_> = (0..60)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[worker]);
            c.push((worker, String::new(), 50u64.saturating_sub(2 * i as u64)));
            Some(c)
        })
        .collect();
    all.push(plain("drained backlog", drained, 1));
    for (name, n) in [
        ("short capture, 3 snapshots", 3),
        ("short capture, 5 snapshots", 5),
        ("short capture, 8 snapshots", 8),
        ("short capture, 12 snapshots", 12),
    ] {
        let snaps = (0..n)
            .map(|_| Some(at_rest(&records, &mut rng, &[])))
            .collect();
        all.push(plain(name, snaps, 1));
    }
    // +1 a minute, a snapshot every 10 s for 40 minutes, in a noisy service.
    let slow: Vec<_> = (0..240)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[greet]);
            c.push((greet, String::new(), 3 + i as u64 / 6));
            Some(c)
        })
        .collect();
    all.push(Scenario {
        leak: Some("main.awaitGreeting"),
        ..plain("slow leak +1/min in noise", slow, 10)
    });
    // Flat for 60 s, then +1 a second.
    let late: Vec<_> = (0..120)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[greet]);
            c.push((greet, String::new(), 3 + (i as u64).saturating_sub(60)));
            Some(c)
        })
        .collect();
    all.push(Scenario {
        leak: Some("main.awaitGreeting"),
        leak_from: 60,
        ..plain("late-starting leak", late, 1)
    });
    // +1 per 30 s on a stack that is Poisson noise of mean 15 by itself.
    let noisy: Vec<_> = (0..240)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[worker]);
            c.push((worker, String::new(), rng.poisson(15.0) + i as u64 / 6));
            Some(c)
        })
        .collect();
    all.push(Scenario {
        leak: Some("main.(*Pool).worker"),
        ..plain("leak plus noise on the same stack", noisy, 5)
    });
    // serveConn and awaitGreeting both wait in internal/poll.runtime_pollWait.
    let leaf: Vec<_> = (0..60)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[serve, greet]);
            c.push((serve, String::new(), 3 + i as u64 / 2));
            c.push((greet, String::new(), rng.poisson(3.0)));
            Some(c)
        })
        .collect();
    all.push(Scenario {
        leak: Some("main.serveConn"),
        ..plain("two stacks, same leaf, one leaks", leaf, 1)
    });
    // One tenant's jobs leak while the others come and go: only --labels
    // tells which; without it the tenants add up.
    let tenants: Vec<_> = (0..60)
        .map(|i| {
            let mut c = at_rest(&records, &mut rng, &[worker]);
            let label = |t: &str| format!("{{\"tenant\":\"{t}\"}}");
            c.push((worker, label("acme"), rng.poisson(4.0)));
            c.push((worker, label("globex"), 1 + i as u64 / 4));
            c.push((worker, label("initech"), rng.poisson(4.0)));
            Some(c)
        })
        .collect();
    all.push(Scenario {
        leak: Some("tenant=globex;main.(*Pool).worker"),
        args: vec!["--labels"],
        ..plain("a leak in one label value (--labels)", tenants, 1)
    });
    all.extend(restarts(&records, &mut rng, worker, greet));
    all
}

/// A service restarted after 40 snapshots (4 without an answer): without a
/// leak, and with one in both runs.
fn restarts(
    records: &[(u64, String)],
    rng: &mut Rng,
    worker: usize,
    greet: usize,
) -> Vec<Scenario> {
    let mut quiet = Vec::new();
    let mut leaking = Vec::new();
    for i in 0..80usize {
        if (40..44).contains(&i) {
            quiet.push(None);
            leaking.push(None);
            continue;
        }
        // After the restart the pool starts again from nothing and fills up.
        let ramp = if i < 40 {
            6
        } else {
            ((i - 44) as u64 * 2).min(6)
        };
        let mut c = at_rest(records, rng, &[worker]);
        c.push((worker, String::new(), ramp));
        quiet.push(Some(c));
        let run_start = if i < 40 { 0 } else { 44 };
        let mut c = at_rest(records, rng, &[greet]);
        c.push((greet, String::new(), 2 + (i - run_start) as u64));
        leaking.push(Some(c));
    }
    let scenario = |name, snapshots, leak| Scenario {
        name,
        snapshots,
        period: 1,
        leak,
        leak_from: 0,
        args: Vec::new(),
    };
    vec![
        scenario("restart, no leak", quiet, None),
        scenario(
            "restart, leak in both runs",
            leaking,
            Some("main.awaitGreeting"),
        ),
    ]
}

/// The rank of the true stack among the suspects of the first `k` snapshots.
fn first_is_true(s: &Scenario, k: usize, records: &[(u64, String)]) -> bool {
    let found = suspects(log(records, s.period, &s.snapshots[..k]), &s.args);
    matches!(found, Ok(rows) if rows.first().is_some_and(|r| r[0].contains(s.leak.unwrap())))
}

#[test]
fn scenario_table() {
    let records = real_records();
    let mut table =
        String::from("scenario | truth | detection delay (snapshots) | suspects listed\n");
    let mut wrong = Vec::new();
    for s in scenarios() {
        let found = suspects(log(&records, s.period, &s.snapshots), &s.args);
        let listed = match &found {
            Ok(rows) => rows.len().to_string(),
            Err(line) => format!("cannot judge ({})", line.trim()),
        };
        let delay = match s.leak {
            None => {
                if !matches!(&found, Ok(rows) if rows.is_empty()) && !s.name.contains("3 snapshots")
                {
                    wrong.push(format!("{}: {found:?}", s.name));
                }
                "-".to_string()
            }
            Some(function) => {
                let first = matches!(&found, Ok(rows) if rows.first().is_some_and(|r| r[0].contains(function)));
                if !first {
                    wrong.push(format!("{}: {found:?}", s.name));
                }
                let from = s.leak_from.max(4) + 1;
                (from..=s.snapshots.len())
                    .find(|&k| first_is_true(&s, k, &records))
                    .map_or("never".to_string(), |k| (k - s.leak_from).to_string())
            }
        };
        let truth = s.leak.unwrap_or("no leak");
        table.push_str(&format!("{} | {truth} | {delay} | {listed}\n", s.name));
    }
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenarios.txt"),
        &table,
    );
    println!("{table}");
    assert!(wrong.is_empty(), "{table}\n{}", wrong.join("\n"));
}

#[test]
fn three_snapshots_cannot_judge() {
    let records = real_records();
    let mut rng = Rng(7);
    let snaps: Vec<_> = (0..3)
        .map(|_| Some(at_rest(&records, &mut rng, &[])))
        .collect();
    let log = log(&records, 1, &snaps);
    let output = run("pp-totals", &["-q", "--leaks"], Some(log.clone()));
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "pp-totals: cannot judge leaks: 3 snapshots (need 5)\n"
    );
    let gate = run("pp-totals", &["-q", "--fail-if", "suspects>0"], Some(log));
    assert_eq!(
        gate.status.code(),
        Some(1),
        "a gate that cannot judge fails"
    );
    assert!(stderr(&gate).contains("cannot judge leaks: 3 snapshots"));
}

/// After a restart the suspect row describes the current run.
#[test]
fn a_restart_row_describes_the_current_run() {
    let records = real_records();
    let worker = record_of(&records, "main.(*Pool).worker");
    let greet = record_of(&records, "main.awaitGreeting");
    let mut rng = Rng(11);
    let leaking = restarts(&records, &mut rng, worker, greet).pop().unwrap();
    let rows = suspects(log(&records, 1, &leaking.snapshots), &[]).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0][0].contains("main.awaitGreeting"));
    // first, last: the second run's 2 and 37; since_index: its first snapshot.
    assert_eq!(&rows[0][1..3], ["2", "37"]);
    assert_eq!(rows[0][8], "44", "since_index");
}
