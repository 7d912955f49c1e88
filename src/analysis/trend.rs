//! The trend test a leak suspect must pass: is a series of counts growing,
//! beyond its own noise, and still growing at the end?
//!
//! A series here is at most [`BUCKETS`] points (bucket means over time, see
//! [`Buckets`]), so everything is computed at the end on a bounded array.
//! A series grows when all of these hold:
//! - **Trend.** The Mann–Kendall statistic `S` (pairs that rise minus pairs
//!   that fall), with its tie-corrected variance, gives `z = (S - 1) / sd`
//!   of at least [`Z_RUN`] over the whole run (one-sided p ≈ 0.02). Rank
//!   based: a stack that rises about as often as it falls scores ~0 however
//!   large its swings.
//! - **Beyond its noise.** The Theil–Sen slope (the median of the pairwise
//!   slopes) times the run's span, the rise, is at least [`NOISE_K`] times
//!   `sqrt(mean)` (the spread of a Poisson count of that mean) and at least
//!   [`MIN_RISE`] goroutines.
//! - **Still rising.** Over the latter half of the points the trend test
//!   gives `z` of at least [`Z_TAIL`] and a positive Theil–Sen slope: a
//!   warm-up followed by a plateau has a flat tail and is not a leak.
//! - **Never gives back.** Its deepest fall below an earlier point (the
//!   drawdown) is at most [`MAX_DRAWDOWN`] of the rise or [`DRAWDOWN_K`]
//!   times `sqrt(mean)` (noise), whichever is more: leaked goroutines never
//!   leave, a sawtooth batch or a drained backlog gives all back.

use super::series::merge_pairs;

/// Most points a series is held in; two neighbours merge when it would be more.
pub const BUCKETS: usize = 128;
/// Least Mann–Kendall `z` over the whole run.
pub const Z_RUN: f64 = 2.0;
/// Least Mann–Kendall `z` over the latter half of the run.
pub const Z_TAIL: f64 = 1.0;
/// The rise must be at least this many times `sqrt(mean)`.
pub const NOISE_K: f64 = 3.0;
/// ...and at least this many goroutines.
pub const MIN_RISE: f64 = 2.0;
/// The deepest fall below an earlier point is at most this share of the rise.
pub const MAX_DRAWDOWN: f64 = 0.5;
/// ...or at most this many times `sqrt(mean)`, whichever is more.
pub const DRAWDOWN_K: f64 = 4.0;

/// Sums of a value per time bucket, the buckets' width doubling (neighbours
/// merged) whenever there would be more than [`BUCKETS`]. The sampling of a
/// run ([`Clock`]) says how many snapshots and what time each bucket holds;
/// a stack's buckets only sum its counts, an absent stack adding nothing.
#[derive(Debug, Default, Clone)]
pub struct Buckets {
    sums: Vec<u64>,
    width: u64,
}

impl Buckets {
    /// Adds `count` at the bucket `ordinal / width` of a clock `width` wide.
    pub fn add(&mut self, ordinal: u64, count: u64, width: u64) {
        self.widen(width);
        let slot = (ordinal / width) as usize;
        if self.sums.len() <= slot {
            self.sums.resize(slot + 1, 0);
        }
        self.sums[slot] += count;
    }

    /// Merges neighbours until the buckets are `width` snapshots wide.
    pub fn widen(&mut self, width: u64) {
        self.width = self.width.max(1);
        while self.width < width {
            self.sums = merge_pairs(&self.sums, |a, b| a + b);
            self.width *= 2;
        }
    }

    /// The sum in bucket `slot` (0 past the last one seen).
    pub fn sum(&self, slot: usize) -> u64 {
        self.sums.get(slot).copied().unwrap_or(0)
    }
}

/// A run's sampling: snapshots and summed seconds per bucket.
#[derive(Debug, Default, Clone)]
pub struct Clock {
    /// Snapshots in the run.
    pub ordinal: u64,
    /// Snapshots per bucket.
    pub width: u64,
    snapshots: Vec<u64>,
    seconds: Vec<f64>,
}

impl Clock {
    /// Takes one snapshot at `t` seconds; returns its ordinal in the run, to
    /// add counts at with the clock's [`Clock::width`].
    pub fn tick(&mut self, t: f64) -> u64 {
        self.width = self.width.max(1);
        while (self.ordinal / self.width) as usize >= BUCKETS {
            self.snapshots = merge_pairs(&self.snapshots, |a, b| a + b);
            self.seconds = merge_pairs(&self.seconds, |a, b| a + b);
            self.width *= 2;
        }
        let slot = (self.ordinal / self.width) as usize;
        if self.snapshots.len() <= slot {
            self.snapshots.resize(slot + 1, 0);
            self.seconds.resize(slot + 1, 0.0);
        }
        self.snapshots[slot] += 1;
        self.seconds[slot] += t;
        self.ordinal += 1;
        self.ordinal - 1
    }

    /// Each bucket's mean time.
    pub fn times(&self) -> Vec<f64> {
        self.seconds
            .iter()
            .zip(&self.snapshots)
            .map(|(s, &n)| s / n as f64)
            .collect()
    }

    /// A stack's mean count per bucket.
    pub fn means(&self, buckets: &mut Buckets) -> Vec<f64> {
        buckets.widen(self.width);
        self.snapshots
            .iter()
            .enumerate()
            .map(|(slot, &n)| buckets.sum(slot) as f64 / n as f64)
            .collect()
    }
}

/// What the test found on one series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Verdict {
    /// Mann–Kendall `z` over the whole series.
    pub z: f64,
    /// Mann–Kendall `z` over its latter half.
    pub z_tail: f64,
    /// Theil–Sen slope, per second.
    pub slope: f64,
    /// The slope times the series' span.
    pub rise: f64,
    /// The deepest fall below an earlier point.
    pub drawdown: f64,
    /// True when the series grows (see the module documentation).
    pub grows: bool,
}

/// Judges `values` at `times` (same length, times increasing).
pub fn judge(times: &[f64], values: &[f64]) -> Verdict {
    let n = values.len();
    let mut verdict = Verdict {
        z: mann_kendall_z(values),
        z_tail: 0.0,
        slope: 0.0,
        rise: 0.0,
        drawdown: 0.0,
        grows: false,
    };
    if n < 3 || verdict.z < Z_RUN {
        return verdict;
    }
    verdict.slope = theil_sen(times, values);
    verdict.rise = verdict.slope * (times[n - 1] - times[0]);
    let mean = values.iter().sum::<f64>() / n as f64;
    let half = n / 2;
    let (tail_t, tail_v) = (&times[half..], &values[half..]);
    verdict.z_tail = mann_kendall_z(tail_v);
    verdict.drawdown = drawdown(values);
    verdict.grows = verdict.rise >= MIN_RISE
        && verdict.rise >= NOISE_K * mean.sqrt()
        && verdict.z_tail >= Z_TAIL
        && theil_sen(tail_t, tail_v) > 0.0
        && verdict.drawdown <= (MAX_DRAWDOWN * verdict.rise).max(DRAWDOWN_K * mean.sqrt());
    verdict
}

/// The Mann–Kendall `z` of `values`: `(S - 1) / sd` for a positive `S`,
/// `(S + 1) / sd` for a negative one, with ties corrected in the variance.
pub fn mann_kendall_z(values: &[f64]) -> f64 {
    let n = values.len();
    let mut s: i64 = 0;
    for i in 0..n {
        for j in i + 1..n {
            s += match values[j].partial_cmp(&values[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let term = |t: f64| t * (t - 1.0) * (2.0 * t + 5.0);
    let mut variance = term(n as f64);
    for group in sorted.chunk_by(|a, b| a == b) {
        variance -= term(group.len() as f64);
    }
    variance /= 18.0;
    if variance <= 0.0 {
        return 0.0;
    }
    let s = s as f64;
    (s - s.signum()) / variance.sqrt()
}

/// The Theil–Sen slope: the median of the slopes between every two points.
pub fn theil_sen(times: &[f64], values: &[f64]) -> f64 {
    let mut slopes = Vec::with_capacity(values.len() * values.len() / 2);
    for i in 0..values.len() {
        for j in i + 1..values.len() {
            let dt = times[j] - times[i];
            if dt > 0.0 {
                slopes.push((values[j] - values[i]) / dt);
            }
        }
    }
    if slopes.is_empty() {
        return 0.0;
    }
    let middle = slopes.len() / 2;
    let (_, &mut upper, _) = slopes.select_nth_unstable_by(middle, f64::total_cmp);
    if slopes.len() % 2 == 1 {
        return upper;
    }
    let lower = slopes[..middle]
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    (lower + upper) / 2.0
}

/// The deepest fall of a value below the highest before it.
fn drawdown(values: &[f64]) -> f64 {
    let mut high = f64::NEG_INFINITY;
    let mut deepest: f64 = 0.0;
    for &v in values {
        high = high.max(v);
        deepest = deepest.max(high - v);
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Vec<f64> {
        (0..n).map(|i| i as f64).collect()
    }

    #[test]
    fn mann_kendall_of_known_series() {
        // Five rising points: S = 10, var = 5*4*15/18.
        let z = mann_kendall_z(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!((z - 9.0 / (300.0f64 / 18.0).sqrt()).abs() < 1e-9);
        assert_eq!(mann_kendall_z(&[3.0, 3.0, 3.0]), 0.0);
        assert!(mann_kendall_z(&[5.0, 4.0, 3.0, 2.0, 1.0]) < -2.0);
    }

    #[test]
    fn theil_sen_ignores_an_outlier() {
        let t = line(7);
        let v = [0.0, 1.0, 2.0, 100.0, 4.0, 5.0, 6.0];
        assert_eq!(theil_sen(&t, &v), 1.0);
    }

    #[test]
    fn table() {
        let t = line(20);
        let rising: Vec<f64> = (0..20).map(|i| 10.0 + 2.0 * i as f64).collect();
        let plateau: Vec<f64> = (0..20).map(|i| (i as f64 * 3.0).min(10.0)).collect();
        let saw: Vec<f64> = (0..20).map(|i| (i % 5) as f64 * 10.0).collect();
        let drained: Vec<f64> = (0..20).map(|i| 40.0 - 2.0 * i as f64).collect();
        for (values, grows) in [
            (rising, true),
            (plateau, false),
            (saw, false),
            (drained, false),
        ] {
            assert_eq!(judge(&t, &values).grows, grows, "{values:?}");
        }
    }

    #[test]
    fn buckets_merge_as_the_clock_widens() {
        let mut clock = Clock::default();
        let mut b = Buckets::default();
        for i in 0..300u64 {
            let k = clock.tick(i as f64);
            b.add(k, i, clock.width);
        }
        let means = clock.means(&mut b);
        assert!(means.len() <= BUCKETS);
        assert_eq!(clock.width, 4);
        assert_eq!(means[0], 1.5);
        let times = clock.times();
        assert_eq!(times[0], 1.5);
    }
}
