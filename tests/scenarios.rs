//! Leak scenarios with a known truth: logs generated here from the real
//! records of one snapshot of the steady batch service
//! (`tests/fixtures/go1.19/batch/prof.log`, Go 1.19), each record's count
//! drawn per snapshot (Poisson noise around its real count, warm-ups,
//! sawtooths, bursts, backlogs, leaks), with `date +%s` lines between.
//! Every scenario without a leak must give no suspect; every leak must put
//! the true stack first. `scenario_table` prints the detection delay (the
//! fewest snapshots after the leak began from which the true stack is
//! listed first) and how many suspects each scenario lists. The dump
//! scenarios are debug=2 dumps built from the real goroutines of the shop's
//! dump, where wait ages (`, N minutes`) are the evidence.

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

/// The snapshots' text, `period` seconds apart, each with its date line.
/// `None` is a date line with nothing after it (the program unreachable).
fn render(records: &[(u64, String)], period: u64, snapshots: &[Option<Counts>]) -> Vec<String> {
    snapshots
        .iter()
        .enumerate()
        .map(|(i, counts)| snapshot(records, i as u64 * period, counts.as_ref()))
        .collect()
}

/// A log of `snapshots`.
fn log(snapshots: &[String]) -> Vec<u8> {
    snapshots.concat().into_bytes()
}

/// One snapshot's text, `at` seconds into the log.
fn snapshot(records: &[(u64, String)], at: u64, counts: Option<&Counts>) -> String {
    let mut out = format!("{}\n", 1_795_000_000 + at);
    if let Some(counts) = counts {
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
    out
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
    /// Each snapshot's text, with its date line.
    snapshots: Vec<String>,
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
    let plain = |name, snapshots: Vec<Option<Counts>>, period| Scenario {
        name,
        snapshots: render(&records, period, &snapshots),
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
    all.extend(dump_scenarios(&mut rng));
    all
}

/// The goroutines of the real debug=2 dump of the shop
/// (`tests/fixtures/go1.19/shop/snapshots/goroutine-debug2.txt`), one per
/// distinct list of functions, without the shop's own leak
/// (`main.(*Server).quote`): each one's state without its wait, and the text
/// after its header line (frames, `created by`).
fn real_goroutines() -> Vec<(String, String)> {
    let dump = std::fs::read_to_string(path("go1.19/shop/snapshots/goroutine-debug2.txt")).unwrap();
    let mut seen = std::collections::HashSet::new();
    let mut goroutines = Vec::new();
    for block in dump.split("\n\n").filter(|b| b.starts_with("goroutine ")) {
        let (header, body) = block.trim_end().split_once('\n').unwrap();
        let state = header.split_once('[').unwrap().1;
        let state = state.split([',', ']']).next().unwrap();
        let functions: Vec<&str> = body
            .lines()
            .filter(|l| !l.starts_with('\t'))
            .map(|l| l.split('(').next().unwrap())
            .collect();
        if !body.contains("main.(*Server).quote") && seen.insert(functions) {
            goroutines.push((state.to_string(), body.to_string()));
        }
    }
    goroutines
}

/// A dump `at` seconds into the log: `goroutines` are (real goroutine, the
/// second it began to wait); one blocked a minute or more says `, N minutes`
/// as Go writes it.
fn dump(real: &[(String, String)], at: u64, goroutines: &[(usize, u64)]) -> String {
    let mut out = format!("{}\n", 1_795_000_000 + at);
    for (id, &(g, since)) in goroutines.iter().enumerate() {
        let (state, body) = &real[g];
        let minutes = (at - since) / 60;
        let wait = match minutes {
            0 => String::new(),
            m => format!(", {m} minutes"),
        };
        out.push_str(&format!(
            "goroutine {} [{state}{wait}]:\n{body}\n\n",
            id + 1
        ));
    }
    out
}

/// Dumps every 30 s for 30 minutes (`debug=2`), where the wait ages are the
/// evidence: the shop at rest (its background goroutines, waiting since the
/// start, and the profiler's own), plus what each scenario adds.
fn dump_scenarios(rng: &mut Rng) -> Vec<Scenario> {
    let real = real_goroutines();
    let of = |function: &str| {
        real.iter()
            .position(|(_, body)| body.contains(&format!("{function}(")))
            .unwrap_or_else(|| panic!("no goroutine of {function}"))
    };
    let (reader, pool, reserver) = (
        of("net/http.readRequest"),
        of("example.com/shop/queue.Consume[...]"),
        of("sync.runtime_SemacquireMutex"),
    );
    let profiler = of("runtime/pprof.writeGoroutineStacks");
    let at_rest = |at: u64, skip: &[usize]| -> Vec<(usize, u64)> {
        (0..real.len())
            .filter(|g| !skip.contains(g))
            .map(|g| (g, if g == profiler { at } else { 0 }))
            .collect()
    };
    // Requests waiting to be read: Poisson(15) connections, each waiting
    // for less than the 30 s since the last dump.
    let traffic = |rng: &mut Rng, at: u64| -> Vec<(usize, u64)> {
        (0..rng.poisson(15.0))
            .map(|_| (reader, at.saturating_sub((rng.unit() * 29.0) as u64)))
            .collect()
    };
    // The 60 dumps: the shop at rest but for `skip`, what `added` gives at
    // each time, and the traffic.
    type Added<'a> = dyn FnMut(&mut Rng, u64) -> Vec<(usize, u64)> + 'a;
    let dumps = |rng: &mut Rng, skip: &[usize], added: &mut Added| -> Vec<String> {
        (0..60u64)
            .map(|i| {
                let at = 30 * i;
                let added = added(rng, at);
                let mut g = at_rest(at, skip);
                g.extend(added);
                g.extend(traffic(rng, at));
                dump(&real, at, &g)
            })
            .collect()
    };
    let scenario = |name, snapshots, leak| Scenario {
        name,
        snapshots,
        leak,
        leak_from: 0,
        args: Vec::new(),
    };
    // One connection a minute is never answered, on the same stack as the
    // traffic: only its goroutines' growing waits set it apart.
    let hidden = dumps(rng, &[reader, pool], &mut |_, at| {
        (1..=at / 60).map(|k| (reader, 60 * k)).collect()
    });
    // Idle workers and keep-alive connections blocked since the start, and
    // the traffic: old waits, no leak.
    let idle = dumps(rng, &[reader], &mut |_, _| vec![(reader, 0); 5]);
    // Ten workers started over the first 2 minutes, then idle for ever:
    // their waits pass a minute one after another, then stay.
    let warming = dumps(rng, &[pool], &mut |_, at| {
        (0..10)
            .map(|k| 12 * k)
            .filter(|&s| s <= at)
            .map(|s| (pool, s))
            .collect()
    });
    // Slow requests: 3 arrive per 30 s and each waits 1 to 3 minutes for
    // the inventory lock, then finishes.
    let mut slow: Vec<(u64, u64)> = Vec::new();
    let finishing = dumps(rng, &[reserver], &mut |rng, at| {
        for _ in 0..rng.poisson(3.0) {
            let since = at.saturating_sub((rng.unit() * 29.0) as u64);
            slow.push((since, since + 60 + (rng.unit() * 120.0) as u64));
        }
        slow.retain(|&(_, end)| end > at);
        slow.iter().map(|&(since, _)| (reserver, since)).collect()
    });
    vec![
        scenario(
            "dumps: a leak hidden in its stack's traffic",
            hidden,
            Some("net/http.readRequest"),
        ),
        scenario("dumps: idle workers, keep-alive connections", idle, None),
        scenario("dumps: a pool that warms up, then waits", warming, None),
        scenario("dumps: slow requests that finish", finishing, None),
    ]
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
    let scenario = |name, snapshots: Vec<Option<Counts>>, leak| Scenario {
        name,
        snapshots: render(records, 1, &snapshots),
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
fn first_is_true(s: &Scenario, k: usize) -> bool {
    let found = suspects(log(&s.snapshots[..k]), &s.args);
    matches!(found, Ok(rows) if rows.first().is_some_and(|r| r[0].contains(s.leak.unwrap())))
}

#[test]
fn scenario_table() {
    let mut table =
        String::from("scenario | truth | detection delay (snapshots) | suspects listed\n");
    let mut wrong = Vec::new();
    for s in scenarios() {
        let found = suspects(log(&s.snapshots), &s.args);
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
                    .find(|&k| first_is_true(&s, k))
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
    let log = log(&render(&records, 1, &snaps));
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
    let rows = suspects(log(&leaking.snapshots), &[]).unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0][0].contains("main.awaitGreeting"));
    // first, last: the second run's 2 and 37; since_index: its first snapshot.
    assert_eq!(&rows[0][1..3], ["2", "37"]);
    assert_eq!(rows[0][8], "44", "since_index");
}

/// The same dumps without their `, N minutes`: the counts alone.
fn without_waits(snapshots: &[String]) -> Vec<String> {
    let strip = |line: &str| -> String {
        let wait = line
            .find(", ")
            .filter(|_| line.starts_with("goroutine "))
            .and_then(|at| Some(at..at + line[at..].find(" minutes")? + " minutes".len()));
        match wait {
            Some(wait) => format!("{}{}\n", &line[..wait.start], &line[wait.end..]),
            None => format!("{line}\n"),
        }
    };
    snapshots
        .iter()
        .map(|s| s.lines().map(strip).collect())
        .collect()
}

/// Wait age is evidence: in the dumps where one connection a minute is never
/// answered, on a stack with its own traffic, the goroutines that waited a
/// minute or more name the leak long before the count can; without the
/// waits the same dumps give nothing then. The page says why.
#[test]
fn wait_age_finds_a_leak_the_count_cannot() {
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let hidden = dump_scenarios(&mut rng).remove(0);
    assert!(hidden.name.contains("hidden"));
    let k = (5..=hidden.snapshots.len())
        .find(|&k| first_is_true(&hidden, k))
        .expect("found");
    let rows = suspects(log(&hidden.snapshots[..k]), &[]).unwrap();
    let header = "stack,first,last,peak,slope_per_min,score,rises,falls,since_index,z,leaked,creator,wait_minutes,waited,evidence";
    let column = |name: &str| header.split(',').position(|c| c == name).unwrap();
    assert_eq!(rows[0][column("evidence")], "wait", "{rows:?}");
    // At k dumps, t = 30 (k - 1) s, the connections of minutes 1 to
    // (t - 60) / 60 have waited a minute or more.
    let t = 30 * (k as u64 - 1);
    assert_eq!(rows[0][column("waited")], ((t - 60) / 60).to_string());
    assert_eq!(rows[0][column("creator")], "net/http.(*Server).Serve");
    let blind = without_waits(&hidden.snapshots);
    assert!(!log(&blind).windows(8).any(|w| w == b" minutes"));
    assert_eq!(
        suspects(log(&blind[..k]), &[]).unwrap(),
        Vec::<Vec<String>>::new(),
        "the count alone is too noisy at {k} dumps"
    );
    let blind_delay = (k..=blind.len()).find(|&n| {
        matches!(suspects(log(&blind[..n]), &[]), Ok(rows) if rows.first().is_some_and(|r| r[0].contains("net/http.readRequest")))
    });
    println!("wait age: {k} dumps; counts alone: {blind_delay:?}");
    let page = common::page(&["--title", "dumps"], Some(log(&hidden.snapshots[..k])));
    assert!(
        page.contains("<strong>their number rises</strong>"),
        "the page says the waits are the evidence"
    );
}
