//! What the assembler saw, for the one-line summary on stderr.

use crate::model::Status;

/// How many unknown lines are listed by location in the summary.
const UNKNOWN_SHOWN: usize = 3;

/// Snapshots by status and skipped lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Snapshots by status, in the order of [`Status::ALL`].
    pub by_status: [u64; 4],
    /// Lines skipped because they were not understood.
    pub unknown_lines: u64,
    /// `file:line` of the first few unknown lines.
    pub unknown_at: Vec<String>,
    /// How many inputs were opened and read.
    pub inputs: u64,
    /// The inputs that could not be read, each with why: `missing.log: No
    /// such file or directory`. The others were read.
    pub unreadable: Vec<String>,
    /// Binary data that was not a profile, each with where and why
    /// (`input.bin: not a Go profile (binary data; gzip? protobuf?) at byte 0`).
    pub notes: Vec<String>,
}

impl Stats {
    /// Total number of snapshots.
    pub fn snapshots(&self) -> u64 {
        self.by_status.iter().sum()
    }

    /// Counts `lines` unknown lines, the first at `location` (`file:line`).
    pub fn add_unknown(&mut self, location: impl FnOnce() -> String, lines: u64) {
        self.unknown_lines += lines;
        if self.unknown_at.len() < UNKNOWN_SHOWN {
            self.unknown_at.push(location());
        }
    }

    /// Adds what another run read (another source's), as if read after this one.
    pub fn merge(&mut self, other: &Stats) {
        for (mine, theirs) in self.by_status.iter_mut().zip(other.by_status) {
            *mine += theirs;
        }
        self.unknown_lines += other.unknown_lines;
        let room = UNKNOWN_SHOWN.saturating_sub(self.unknown_at.len());
        self.unknown_at
            .extend(other.unknown_at.iter().take(room).cloned());
        self.inputs += other.inputs;
        self.unreadable.extend(other.unreadable.iter().cloned());
    }

    /// Number of snapshots with `status`.
    pub fn count(&self, status: Status) -> u64 {
        self.by_status[status as usize]
    }

    /// `50 snapshots: 49 complete, 1 partial; 2 unknown lines skipped (a:3, a:9)`.
    pub fn summary(&self) -> String {
        let statuses: Vec<String> = Status::ALL
            .iter()
            .filter(|&&s| self.count(s) > 0)
            .map(|&s| format!("{} {}", self.count(s), s.as_str()))
            .collect();
        let plural = |n: u64| if n == 1 { "" } else { "s" };
        let mut text = format!("{} snapshot{}", self.snapshots(), plural(self.snapshots()));
        if !statuses.is_empty() {
            text.push_str(": ");
            text.push_str(&statuses.join(", "));
        }
        if self.unknown_lines > 0 {
            let n = self.unknown_lines;
            text.push_str(&format!(
                "; {n} unknown line{} skipped ({}",
                plural(n),
                self.unknown_at.join(", ")
            ));
            if n > self.unknown_at.len() as u64 {
                text.push_str(", ...");
            }
            text.push(')');
        }
        text
    }
}
