//! The kind of a profile: which of the runtime's profiles a snapshot is.
//!
//! Every kind has one name, the one Go writes (`goroutine profile: total 5`,
//! `/debug/pprof/heap`) and every output shows; a custom profile keeps its
//! own. Names and kinds map one to one, the empty name to [`Kind::None`], so
//! comparing kinds is comparing names.

use std::convert::Infallible;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Which profile a snapshot holds.
#[derive(Debug, Clone, Default)]
pub enum Kind {
    /// No profile: `missing` and `error` snapshots. Its name is empty, and
    /// JSON writes it as `null`.
    #[default]
    None,
    /// `goroutine`, debug=1 and debug=2 (and tracebacks).
    Goroutine,
    /// `threadcreate`.
    Threadcreate,
    /// `goroutineleak` (Go 1.26).
    GoroutineLeak,
    /// `heap`.
    Heap,
    /// `allocs` (written as a heap profile; only named so in JSON input or `--kind`).
    Allocs,
    /// `block`.
    Block,
    /// `mutex`.
    Mutex,
    /// `cpu`: a CPU profile (`/debug/pprof/profile`, `go test -cpuprofile`), protobuf only.
    Cpu,
    /// A custom profile (`pprof.NewProfile`), by its name; never one of the names above.
    Other(Box<str>),
}

impl Kind {
    /// The kinds with a fixed name, [`Kind::None`] first.
    const NAMED: [Kind; 9] = [
        Kind::None,
        Kind::Goroutine,
        Kind::Threadcreate,
        Kind::GoroutineLeak,
        Kind::Heap,
        Kind::Allocs,
        Kind::Block,
        Kind::Mutex,
        Kind::Cpu,
    ];

    /// The kind named `name`: a runtime profile's, or a custom one.
    pub fn from_name(name: &str) -> Kind {
        Kind::NAMED
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .unwrap_or_else(|| Kind::Other(name.into()))
    }

    /// The name, as Go writes it; empty for [`Kind::None`].
    pub fn as_str(&self) -> &str {
        match self {
            Kind::None => "",
            Kind::Goroutine => "goroutine",
            Kind::Threadcreate => "threadcreate",
            Kind::GoroutineLeak => "goroutineleak",
            Kind::Heap => "heap",
            Kind::Allocs => "allocs",
            Kind::Block => "block",
            Kind::Mutex => "mutex",
            Kind::Cpu => "cpu",
            Kind::Other(name) => name,
        }
    }

    /// True for [`Kind::None`], whose name is empty.
    pub fn is_empty(&self) -> bool {
        matches!(self, Kind::None)
    }
}

// By name, so that an `Other` built by hand with a runtime profile's name
// is still that kind.
impl PartialEq for Kind {
    fn eq(&self, other: &Kind) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Kind {}

impl Hash for Kind {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl FromStr for Kind {
    type Err = Infallible;

    /// Any name is a kind (`--kind`): see [`Kind::from_name`].
    fn from_str(name: &str) -> Result<Kind, Infallible> {
        Ok(Kind::from_name(name))
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_kinds_map_one_to_one() {
        let cases = [
            ("", Kind::None),
            ("goroutine", Kind::Goroutine),
            ("threadcreate", Kind::Threadcreate),
            ("goroutineleak", Kind::GoroutineLeak),
            ("heap", Kind::Heap),
            ("allocs", Kind::Allocs),
            ("block", Kind::Block),
            ("mutex", Kind::Mutex),
            ("cpu", Kind::Cpu),
            ("queue", Kind::Other("queue".into())),
            ("Goroutine", Kind::Other("Goroutine".into())),
        ];
        for (name, kind) in cases {
            assert_eq!(Kind::from_name(name), kind, "{name:?}");
            assert_eq!(kind.as_str(), name);
            assert_eq!(name.parse::<Kind>().unwrap().to_string(), name);
        }
        assert!(matches!(Kind::from_name("heap"), Kind::Heap));
        assert_eq!(Kind::Other("mutex".into()), Kind::Mutex);
        assert!(Kind::None.is_empty() && !Kind::Heap.is_empty());
    }
}
