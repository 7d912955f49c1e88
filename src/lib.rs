//! parseprof: small Unix filters for Go profiles.
//!
//! The library mirrors the pipeline of DESIGN.md:
//! [`input`] (bytes → lines → events) → [`assemble`] (events → snapshots, in
//! the shared [`model`]) → [`output`] (one module per binary). [`pipeline`]
//! drives one run; [`cli`] is the harness each thin `bin/pp-*.rs` main calls.

#![warn(missing_docs)]

pub mod analysis;
pub mod assemble;
pub mod cli;
pub mod error;
pub mod fleet;
pub mod input;
pub mod model;
pub mod output;
pub mod pipeline;

pub use error::Error;
