//! The shared model: interned frames and stacks, snapshots and their records,
//! and the snapshot's JSON form.

mod intern;
pub mod json;
pub mod series;
mod snapshot;

pub use intern::{Frame, FrameId, FrameRef, Interner, StackId};
pub use snapshot::{Record, Sample, Snapshot, Status, go_quote, parse_labels, unquote};
