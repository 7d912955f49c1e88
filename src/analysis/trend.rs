//! Rank-based trend statistics for short, noisy series: the Mann–Kendall
//! test (is there a monotonic trend, against the series' own ups and downs?)
//! and the Theil–Sen slope (how steep, not thrown by a burst).
//!
//! Both look at every pair of points, so they are meant for the bounded
//! series the leak tracker keeps (at most [`crate::analysis::leak::BUCKETS`]
//! points a stack): a thousand pairs at most.

/// The Mann–Kendall statistic of `x`: `S = Σ sign(x[j] - x[i])` over `i < j`,
/// and its standard score `z = S / sqrt(Var S)`, with the variance corrected
/// for ties. A steadily rising series has `z` far above 0; noise around a
/// level has `z` near 0. Returns `(S, z)`; `z` is 0 when every point is equal
/// or there are fewer than 2.
pub fn mann_kendall(x: &[f64]) -> (i64, f64) {
    let n = x.len();
    let mut s = 0i64;
    for i in 0..n {
        for j in i + 1..n {
            s += match x[j].partial_cmp(&x[i]) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }
    let mut sorted = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut run = 1usize;
    for i in 1..=sorted.len() {
        if i < sorted.len() && sorted[i] == sorted[i - 1] {
            run += 1;
        } else {
            let t = run as f64;
            ties += t * (t - 1.0) * (2.0 * t + 5.0);
            run = 1;
        }
    }
    let n = n as f64;
    let variance = (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0;
    let z = if variance > 0.0 {
        s as f64 / variance.sqrt()
    } else {
        0.0
    };
    (s, z)
}

/// The Theil–Sen slope of `x` over its index: the median of the slopes of
/// every pair of points. 0 for fewer than 2 points.
pub fn theil_sen(x: &[f64]) -> f64 {
    let mut slopes = Vec::with_capacity(x.len() * x.len().saturating_sub(1) / 2);
    for i in 0..x.len() {
        for j in i + 1..x.len() {
            slopes.push((x[j] - x[i]) / (j - i) as f64);
        }
    }
    if slopes.is_empty() {
        return 0.0;
    }
    slopes.sort_by(f64::total_cmp);
    let mid = slopes.len() / 2;
    if slopes.len() % 2 == 1 {
        slopes[mid]
    } else {
        (slopes[mid - 1] + slopes[mid]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_kendall_sees_trends_and_not_noise() {
        let (s, z) = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(s, 10);
        // Var S = 5·4·15/18 = 16.67.
        assert!((z - 10.0 / (50.0f64 / 3.0).sqrt()).abs() < 1e-9, "{z}");
        let (s, _) = mann_kendall(&[5.0, 4.0, 3.0]);
        assert_eq!(s, -3);
        assert_eq!(mann_kendall(&[2.0, 2.0, 2.0]), (0, 0.0));
        let (_, z) = mann_kendall(&[3.0, 1.0, 4.0, 1.0, 5.0, 2.0, 3.0, 1.0]);
        assert!(z.abs() < 1.0, "{z}");
        // Ties shrink the variance: [1,1,2,2] has S = 4, Var = (4·3·13 - 2·2·1·9)/18 = 6.67.
        let (s, z) = mann_kendall(&[1.0, 1.0, 2.0, 2.0]);
        assert_eq!(s, 4);
        assert!((z - 4.0 / (120.0f64 / 18.0).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn theil_sen_ignores_a_burst() {
        assert_eq!(theil_sen(&[0.0, 1.0, 2.0, 3.0]), 1.0);
        assert_eq!(theil_sen(&[0.0, 1.0, 90.0, 3.0, 4.0]), 1.0);
        assert_eq!(theil_sen(&[7.0]), 0.0);
    }
}
