//! Input: where bytes come from, how they become lines, and what each line is.
//!
//! `source` opens stdin or files; `interrupt` ends the input on SIGINT/SIGTERM; `line` splits bytes into lines without
//! copying; `event` classifies each line, with `frame` (debug=1 frame lines)
//! and `goroutine` (dump lines); `timestamp` reads the lines `date` wrote
//! between profiles, and `zone` the `--tz` that gives wall-clock times an offset;
//! `gzip` finds gzip by its magic bytes (whole files and members inside a log)
//! and `pprof` decodes `profile.proto`.

pub mod event;
pub mod frame;
pub mod goroutine;
pub mod gzip;
pub mod interrupt;
pub mod line;
pub mod pprof;
mod prefetch;
mod source;
pub mod timestamp;
pub mod zone;

pub use source::Source;
