//! `profile.proto`, the binary form of every Go profile (`?debug=0`, `go test
//! -cpuprofile`, `go tool pprof -proto`): decoding, and the lookups that turn
//! a sample's location ids into frames as pprof shows them (an inlined
//! function is a frame of its own, innermost first).
//!
//! Decoding is prost's: a length field longer than what is left is an error,
//! never an allocation, so any bytes are read without a panic and within the
//! caller's size cap.

pub mod message;

use std::collections::HashMap;

pub use message::Profile;
use prost::Message;

/// Decodes a raw (uncompressed) `profile.proto`.
pub fn decode(bytes: &[u8]) -> Result<Profile, String> {
    let profile = Profile::decode(bytes).map_err(|e| format!("not a profile.proto ({e})"))?;
    if profile.sample_type.is_empty() && profile.sample.is_empty() {
        return Err("not a profile.proto (no sample types)".to_string());
    }
    Ok(profile)
}

/// One frame of a sample: a function, its file and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The function's name; for a location without lines, empty (see `address`).
    pub func: &'a [u8],
    /// The source file.
    pub file: &'a [u8],
    /// The line.
    pub line: u32,
    /// The location's address.
    pub address: u64,
}

/// A decoded profile with its tables indexed.
pub struct Tables<'a> {
    profile: &'a Profile,
    locations: HashMap<u64, usize>,
    functions: HashMap<u64, usize>,
}

impl<'a> Tables<'a> {
    /// Indexes `profile`'s location and function tables.
    pub fn new(profile: &'a Profile) -> Tables<'a> {
        let locations = profile
            .location
            .iter()
            .enumerate()
            .map(|(i, l)| (l.id, i))
            .collect();
        let functions = profile
            .function
            .iter()
            .enumerate()
            .map(|(i, f)| (f.id, i))
            .collect();
        Tables {
            profile,
            locations,
            functions,
        }
    }

    /// String `index` of the string table; empty when out of range.
    pub fn string(&self, index: i64) -> &'a [u8] {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.profile.string_table.get(i))
            .map_or(&[][..], |s| s.as_slice())
    }

    /// The names of the sample types, in order (`alloc_objects`, …).
    pub fn sample_types(&self) -> Vec<String> {
        self.profile
            .sample_type
            .iter()
            .map(|t| String::from_utf8_lossy(self.string(t.r#type)).into_owned())
            .collect()
    }

    /// The frames of the stack `location_ids` (leaf first), leaf first, into `out`.
    pub fn frames(&self, location_ids: &[u64], out: &mut Vec<Frame<'a>>) {
        out.clear();
        for id in location_ids {
            let Some(&at) = self.locations.get(id) else {
                continue;
            };
            let location = &self.profile.location[at];
            if location.line.is_empty() {
                out.push(Frame {
                    func: &[],
                    file: &[],
                    line: 0,
                    address: location.address,
                });
            }
            for line in &location.line {
                let function = self.functions.get(&line.function_id);
                let function = function.map(|&f| &self.profile.function[f]);
                out.push(Frame {
                    func: function.map_or(&[][..], |f| self.string(f.name)),
                    file: function.map_or(&[][..], |f| self.string(f.filename)),
                    line: u32::try_from(line.line).unwrap_or(0),
                    address: location.address,
                });
            }
        }
    }
}
