//! What an aggregation counts and how: [`Aggregate`] and [`AggregateOptions`].

use std::fmt;
use std::str::FromStr;

use crate::analysis::name::FrameStyle;
use crate::model::Kind;

/// How a stack's counts over the snapshots become one number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregate {
    /// The sum over all snapshots (with a 1 s loop: goroutine-seconds).
    #[default]
    Sum,
    /// The largest count in any one snapshot.
    Max,
    /// The count in the last snapshot.
    Last,
    /// The sum divided by the number of snapshots, rounded to the nearest integer (halves up).
    Mean,
}

impl FromStr for Aggregate {
    type Err = String;

    fn from_str(text: &str) -> Result<Aggregate, String> {
        match text {
            "sum" => Ok(Aggregate::Sum),
            "max" => Ok(Aggregate::Max),
            "last" => Ok(Aggregate::Last),
            "mean" => Ok(Aggregate::Mean),
            _ => Err(format!(
                "{text:?} is not an aggregate: use sum, max, last or mean"
            )),
        }
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Aggregate::Sum => "sum",
            Aggregate::Max => "max",
            Aggregate::Last => "last",
            Aggregate::Mean => "mean",
        })
    }
}

/// What the folder puts in each line.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AggregateOptions {
    /// How counts over snapshots combine. Default is [`Aggregate::Sum`].
    pub aggregate: Aggregate,
    /// How frames are written. Default is the function alone.
    pub style: FrameStyle,
    /// Labels as root frames (`key=value`). Default is `false`.
    pub labels: bool,
    /// The snapshot's time (or `snapshot#N`) as the root frame. Default is `false`.
    pub per_snapshot: bool,
    /// debug=2 dumps: the goroutines' state as a root frame (`[chan receive]`). Default is `false`.
    pub state: bool,
    /// Drop parked runtime frames at the leaf. Default is `false`.
    pub trim_runtime: bool,
    /// Fold only this kind of profile; `None` folds the one kind the input has.
    pub kind: Option<Kind>,
    /// The value to fold; `None` is pprof's default for the kind.
    pub value: Option<String>,
    /// Keep the complete snapshots' counts in blocks for `--diff`'s windows
    /// ([`Aggregation::windows`](super::Aggregation::windows)). Default is `false`.
    pub diff: bool,
    /// With `diff`: the complete snapshots each window holds. Default is
    /// none: a quarter of them, at least 1.
    pub window: Option<u64>,
}
