//! A bounded summary of a value over the snapshots: a timeline that never
//! grows past a fixed number of buckets, however long the log.
//!
//! Points arrive in input order. Each bucket covers `width` consecutive
//! points; when every bucket is full, neighbours merge pairwise and `width`
//! doubles, so a [`Series`] of capacity `C` holds at most `C` buckets after
//! any number of points, each covering an equal run (the last may be shorter).
//! A bucket keeps what a chart needs: its first and last index and time, the
//! minimum, maximum and last value, and how many of its points were
//! `missing`, `partial` or `error`, so gaps are shown as gaps, never as zero.

use crate::input::timestamp::Timestamp;
use crate::model::Status;

/// One observation: a snapshot's position, time, value and status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// The snapshot's 0-based index in the input.
    pub index: u64,
    /// The snapshot's time, if it had one.
    pub time: Option<Timestamp>,
    /// The value; `None` where the snapshot had none (`missing`, `error`).
    pub value: Option<u64>,
    /// The snapshot's status.
    pub status: Status,
}

/// A run of consecutive points, summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// Index of the first point.
    pub first_index: u64,
    /// Index of the last point.
    pub last_index: u64,
    /// Time of the first point that had one.
    pub first_time: Option<Timestamp>,
    /// Time of the last point that had one.
    pub last_time: Option<Timestamp>,
    /// Number of points.
    pub points: u64,
    /// Smallest value, over the points that have one.
    pub min: Option<u64>,
    /// Largest value, over the points that have one.
    pub max: Option<u64>,
    /// Value of the last point that had one.
    pub last: Option<u64>,
    /// Points whose status was `partial`.
    pub partial: u64,
    /// Points whose status was `missing`.
    pub missing: u64,
    /// Points whose status was `error`.
    pub error: u64,
}

impl Bucket {
    /// A bucket holding `point` alone.
    pub fn from_point(point: &Point) -> Bucket {
        let is = |status| u64::from(point.status == status);
        Bucket {
            first_index: point.index,
            last_index: point.index,
            first_time: point.time,
            last_time: point.time,
            points: 1,
            min: point.value,
            max: point.value,
            last: point.value,
            partial: is(Status::Partial),
            missing: is(Status::Missing),
            error: is(Status::Error),
        }
    }

    /// This bucket followed by `later`, as one bucket.
    pub fn merge(&self, later: &Bucket) -> Bucket {
        let pick = |a: Option<u64>, b: Option<u64>, f: fn(u64, u64) -> u64| match (a, b) {
            (Some(a), Some(b)) => Some(f(a, b)),
            (a, b) => a.or(b),
        };
        Bucket {
            first_index: self.first_index,
            last_index: later.last_index,
            first_time: self.first_time.or(later.first_time),
            last_time: later.last_time.or(self.last_time),
            points: self.points + later.points,
            min: pick(self.min, later.min, u64::min),
            max: pick(self.max, later.max, u64::max),
            last: later.last.or(self.last),
            partial: self.partial + later.partial,
            missing: self.missing + later.missing,
            error: self.error + later.error,
        }
    }

    /// True when no point of the bucket had a value.
    pub fn is_gap(&self) -> bool {
        self.last.is_none()
    }
}

/// The bounded series; see the module documentation.
#[derive(Debug, Clone)]
pub struct Series {
    buckets: Vec<Bucket>,
    capacity: usize,
    width: u64,
    points: u64,
}

impl Series {
    /// An empty series of at most `capacity` buckets (rounded up to an even
    /// number, at least 2).
    pub fn new(capacity: usize) -> Series {
        let capacity = capacity.max(2).next_multiple_of(2);
        Series {
            buckets: Vec::with_capacity(capacity),
            capacity,
            width: 1,
            points: 0,
        }
    }

    /// Adds the next point.
    pub fn push(&mut self, point: Point) {
        self.points += 1;
        let bucket = Bucket::from_point(&point);
        if let Some(last) = self.buckets.last_mut()
            && last.points < self.width
        {
            *last = last.merge(&bucket);
            return;
        }
        if self.buckets.len() == self.capacity {
            self.halve();
        }
        self.buckets.push(bucket);
    }

    /// Merges neighbouring buckets pairwise and doubles the width.
    fn halve(&mut self) {
        self.buckets = merge_pairs(&self.buckets, |a, b| a.merge(&b));
        self.width *= 2;
    }

    /// The buckets, in input order.
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }

    /// How many points each bucket covers (the last one may cover fewer).
    pub fn width(&self) -> u64 {
        self.width
    }

    /// Number of points pushed.
    pub fn points(&self) -> u64 {
        self.points
    }

    /// All points as one bucket, or `None` when there were none.
    pub fn overall(&self) -> Option<Bucket> {
        let (first, rest) = self.buckets.split_first()?;
        Some(rest.iter().fold(*first, |all, b| all.merge(b)))
    }
}

/// Neighbours of `items` merged pairwise with `merge` (an odd last item
/// stays as it is): how every bounded summary here halves its resolution.
pub fn merge_pairs<T: Copy>(items: &[T], merge: impl Fn(T, T) -> T) -> Vec<T> {
    items
        .chunks(2)
        .map(|pair| match *pair {
            [a, b] => merge(a, b),
            [a] => a,
            _ => unreachable!("chunks(2) yields one or two"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(index: u64, value: Option<u64>, status: Status) -> Point {
        Point {
            index,
            time: None,
            value,
            status,
        }
    }

    fn complete(index: u64, value: u64) -> Point {
        point(index, Some(value), Status::Complete)
    }

    #[test]
    fn stays_bounded_and_loses_nothing() {
        for (capacity, n) in [(4, 3), (4, 4), (4, 5), (4, 100), (512, 10_000), (3, 7)] {
            let mut series = Series::new(capacity);
            for i in 0..n {
                series.push(complete(i, i * 2));
            }
            let buckets = series.buckets();
            assert!(
                buckets.len() <= capacity.next_multiple_of(2),
                "{capacity} {n}"
            );
            assert_eq!(buckets.iter().map(|b| b.points).sum::<u64>(), n);
            assert_eq!(series.points(), n);
            for pair in buckets.windows(2) {
                assert_eq!(pair[0].last_index + 1, pair[1].first_index);
                assert_eq!(pair[0].points, series.width());
            }
            let all = series.overall().unwrap();
            assert_eq!((all.first_index, all.last_index), (0, n - 1));
            assert_eq!(
                (all.min, all.max, all.last),
                (Some(0), Some((n - 1) * 2), all.max)
            );
        }
    }

    #[test]
    fn gaps_are_counted_not_zero() {
        let mut series = Series::new(2);
        series.push(complete(0, 5));
        series.push(point(1, None, Status::Missing));
        series.push(point(2, None, Status::Error));
        series.push(point(3, Some(9), Status::Partial));
        series.push(point(4, None, Status::Missing));
        let b = series.buckets();
        assert_eq!(series.width(), 4);
        assert_eq!(b.len(), 2);
        assert_eq!(
            (
                b[0].min,
                b[0].max,
                b[0].last,
                b[0].missing,
                b[0].error,
                b[0].partial
            ),
            (Some(5), Some(9), Some(9), 1, 1, 1)
        );
        assert!(b[1].is_gap() && b[1].missing == 1 && b[1].min.is_none());
    }

    #[test]
    fn times_span_the_bucket() {
        let t = |s: &str| Timestamp::parse(s.as_bytes());
        let mut series = Series::new(2);
        for (i, time) in [None, t("1795772723"), t("1795772724"), None]
            .into_iter()
            .enumerate()
        {
            series.push(Point {
                index: i as u64,
                time,
                value: Some(1),
                status: Status::Complete,
            });
        }
        let all = series.overall().unwrap();
        assert_eq!(
            (all.first_time, all.last_time),
            (t("1795772723"), t("1795772724"))
        );
    }
}
