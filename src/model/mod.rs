//! The shared model: interned frames and stacks, snapshots and their records,
//! and the snapshot's JSON form.

mod intern;
pub mod json;
mod kind;
mod snapshot;

pub use intern::{Frame, FrameId, FrameRef, Interner, StackId};
pub use kind::Kind;
pub use snapshot::{
    DEPTH_LIMITS, Record, Sample, Snapshot, Status, go_quote, parse_labels, unquote,
};

/// A hash map with a fast, fixed-seed hasher, for the per-record hot paths
/// (std's SipHash showed in profiles). Fixed seeds keep runs reproducible;
/// outputs never depend on its order anyway.
pub type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::FixedState>;
