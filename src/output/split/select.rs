//! Which snapshots `pp-split` keeps: by status and time, every Nth, the first
//! or last N. Memory is bounded by N for `--last N`, by nothing else.

use std::cmp::Ordering;
use std::collections::VecDeque;
use std::str::FromStr;

use crate::error::Error;
use crate::input::timestamp::{Timestamp, Zone};
use crate::model::{Snapshot, Status};

/// A `--since`/`--until` argument: any timestamp format the parser reads.
#[derive(Debug, Clone, Copy)]
pub struct TimeArg(pub Timestamp);

impl FromStr for TimeArg {
    type Err = String;

    fn from_str(text: &str) -> Result<TimeArg, String> {
        Timestamp::parse(text.as_bytes())
            .map(TimeArg)
            .ok_or_else(|| {
                format!(
                    "{text:?} is not a time: use RFC 3339 (2026-11-27T15:13:27+05:30), \
                 `date` output or epoch seconds"
                )
            })
    }
}

fn has_offset(time: &Timestamp) -> bool {
    matches!(time.zone, Zone::Offset(_))
}

/// A `--status` argument: one or more statuses separated by commas.
#[derive(Debug, Clone)]
pub struct StatusList(pub Vec<Status>);

impl FromStr for StatusList {
    type Err = String;

    fn from_str(text: &str) -> Result<StatusList, String> {
        text.split(',')
            .map(|name| {
                Status::from_name(name.trim()).ok_or_else(|| {
                    format!("{name:?} is not a status: use complete, partial, missing or error")
                })
            })
            .collect::<Result<_, _>>()
            .map(StatusList)
    }
}

/// `--first N` or `--last N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Take {
    /// Every selected snapshot.
    All,
    /// The first N selected snapshots; the input need not be read further.
    First(usize),
    /// The last N selected snapshots, written at the end of input.
    Last(usize),
}

/// The selection rules, applied in order: status and time filters, then
/// `--every`, then `--first`/`--last`. Default keeps every snapshot.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Keep only these statuses; empty keeps all.
    pub statuses: Vec<Status>,
    /// Keep snapshots at or after this time (snapshots without a time are dropped).
    pub since: Option<Timestamp>,
    /// Keep snapshots at or before this time (snapshots without a time are dropped).
    pub until: Option<Timestamp>,
    /// Keep every Nth snapshot that passed the filters (1 keeps all).
    pub every: u64,
    /// How many to keep.
    pub take: Take,
}

impl Default for Selection {
    fn default() -> Selection {
        Selection {
            statuses: Vec::new(),
            since: None,
            until: None,
            every: 1,
            take: Take::All,
        }
    }
}

/// Applies a [`Selection`] to snapshots one at a time; `T` is what is kept
/// of each (the bytes to write).
pub struct Selector<T> {
    selection: Selection,
    passed: u64,
    taken: usize,
    last: VecDeque<T>,
}

impl<T> Selector<T> {
    /// A selector that has seen nothing yet.
    pub fn new(selection: Selection) -> Selector<T> {
        Selector {
            selection,
            passed: 0,
            taken: 0,
            last: VecDeque::new(),
        }
    }

    /// Fails when a `--since`/`--until` bound and `snap`'s time disagree on
    /// having an offset: an instant cannot be compared with a wall-clock
    /// time without knowing its zone (that is what `--tz` says).
    pub fn check_zones(&self, snap: &Snapshot) -> Result<(), Error> {
        let Some(time) = snap.time else {
            return Ok(());
        };
        let bounds = [
            ("--since", self.selection.since),
            ("--until", self.selection.until),
        ];
        for (flag, bound) in bounds {
            let Some(bound) = bound else { continue };
            let (given, read) = (has_offset(&bound), has_offset(&time));
            if given == read {
                continue;
            }
            let raw = snap.time_raw.as_str();
            let message = if given {
                format!(
                    "{flag} {bound} has an offset, but the input's times ({raw:?}) have none: \
                     say which zone they are in with --tz (an offset such as +05:30, or a zone \
                     such as Asia/Kolkata), or give {flag} without an offset"
                )
            } else {
                format!(
                    "{flag} {bound} has no offset, but the input's times ({raw:?}) have one: \
                     give {flag} with an offset, or say which zone it is in with --tz"
                )
            };
            return Err(Error::Usage(message));
        }
        Ok(())
    }

    /// True when `snap` is to be kept (for `--last`, kept for now).
    pub fn wants(&mut self, snap: &Snapshot) -> bool {
        let s = &self.selection;
        if !s.statuses.is_empty() && !s.statuses.contains(&snap.status) {
            return false;
        }
        let in_range = |bound: Option<Timestamp>, wrong: Ordering| match (bound, snap.time) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(bound), Some(t)) => t.cmp_instant(&bound) != wrong,
        };
        if !in_range(s.since, Ordering::Less) || !in_range(s.until, Ordering::Greater) {
            return false;
        }
        self.passed += 1;
        if !(self.passed - 1).is_multiple_of(s.every) {
            return false;
        }
        match s.take {
            Take::First(n) if self.taken >= n => false,
            _ => {
                self.taken += 1;
                true
            }
        }
    }

    /// Whether `wants` can still say yes; false once `--first N` is satisfied.
    pub fn wants_more(&self) -> bool {
        !matches!(self.selection.take, Take::First(n) if self.taken >= n)
    }

    /// Keeps `item` (a wanted snapshot's output) when writing is deferred
    /// (`--last`); otherwise hands it back to be written now.
    pub fn hold(&mut self, item: T) -> Option<T> {
        let Take::Last(n) = self.selection.take else {
            return Some(item);
        };
        if n == 0 {
            return None;
        }
        if self.last.len() == n {
            self.last.pop_front();
        }
        self.last.push_back(item);
        None
    }

    /// The held items, oldest first, at the end of input.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.last.drain(..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snaps(n: u64) -> Vec<Snapshot> {
        (0..n)
            .map(|i| {
                let mut snap = Snapshot::default();
                snap.index = i;
                snap.time = Timestamp::parse(format!("{}", 1_795_772_723 + i).as_bytes());
                snap.status = if i % 3 == 2 {
                    Status::Missing
                } else {
                    Status::Complete
                };
                snap
            })
            .collect()
    }

    fn run(selection: Selection, n: u64) -> Vec<u64> {
        let mut selector = Selector::new(selection);
        let mut out = Vec::new();
        for snap in snaps(n) {
            if selector.wants(&snap) {
                out.extend(selector.hold(snap.index));
            }
        }
        out.extend(selector.drain());
        out
    }

    fn all() -> Selection {
        Selection {
            statuses: vec![],
            since: None,
            until: None,
            every: 1,
            take: Take::All,
        }
    }

    #[test]
    fn rules_apply_in_order() {
        let t = |s: u64| Timestamp::parse(format!("{}", 1_795_772_723 + s).as_bytes());
        let cases: Vec<(Selection, Vec<u64>)> = vec![
            (all(), (0..10).collect()),
            (
                Selection {
                    take: Take::First(3),
                    ..all()
                },
                vec![0, 1, 2],
            ),
            (
                Selection {
                    take: Take::Last(3),
                    ..all()
                },
                vec![7, 8, 9],
            ),
            (
                Selection {
                    take: Take::Last(0),
                    ..all()
                },
                vec![],
            ),
            (Selection { every: 4, ..all() }, vec![0, 4, 8]),
            (
                Selection {
                    statuses: vec![Status::Missing],
                    ..all()
                },
                vec![2, 5, 8],
            ),
            (
                Selection {
                    since: t(3),
                    until: t(5),
                    ..all()
                },
                vec![3, 4, 5],
            ),
            (
                Selection {
                    statuses: vec![Status::Complete],
                    every: 2,
                    take: Take::Last(2),
                    ..all()
                },
                vec![6, 9],
            ),
        ];
        for (selection, expected) in cases {
            assert_eq!(run(selection.clone(), 10), expected, "{selection:?}");
        }
    }

    #[test]
    fn first_stops_wanting() {
        let mut selector: Selector<u64> = Selector::new(Selection {
            take: Take::First(1),
            ..all()
        });
        assert!(selector.wants_more());
        assert!(selector.wants(&snaps(1)[0]));
        assert!(!selector.wants_more());
    }

    #[test]
    fn arguments_parse() {
        assert_eq!(
            StatusList::from_str("complete, error").unwrap().0,
            vec![Status::Complete, Status::Error]
        );
        assert!(StatusList::from_str("done").is_err());
        assert!(TimeArg::from_str("2026-11-27T15:13:27Z").is_ok());
        assert!(TimeArg::from_str("yesterday").is_err());
    }
}
