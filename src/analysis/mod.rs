//! Analysis: the engines every output uses and none owns.
//!
//! Between the [`model`](crate::model) (snapshots of interned stacks) and the
//! outputs (one module per binary) sit the computations several binaries
//! share: how a stack is named ([`name`]), how counts over snapshots
//! aggregate per stack ([`aggregate`]), how a stack's series is judged for a
//! leak ([`leak`]), the bounded timeline of a value ([`series`]), and the
//! least-squares line they fit ([`regression`]). Everything here works one
//! snapshot at a time with a fixed amount of state per distinct stack.
//!
//! This layer imports `model`, `input::timestamp` and `error`, never
//! `output` or `cli`.

pub mod aggregate;
pub mod leak;
pub mod name;
pub mod namer;
pub mod regression;
pub mod root;
pub mod series;
pub mod trend;

pub use aggregate::{
    Aggregate, AggregateOptions, Aggregation, Folded, FoldedStack, Stacks, TRUNCATED,
};
pub use name::{
    FrameStyle, RUNTIME_LEAF_FRAMES, fold_frames, push_frame, push_safe, runtime_leaf_frames,
};
pub use namer::StackNamer;
