//! `pp-fold --diff`'s windows: the mean of the first N against the mean of
//! the last N complete snapshots, in one pass, with memory bounded by the
//! distinct keys.
//!
//! Each key keeps its sums over [`BLOCKS`] blocks of consecutive complete
//! snapshots, and a window is the fewest whole blocks from its end that hold
//! at least N snapshots (all of them when N is larger).
//!
//! - N given (`--window N`): the first window's sum is kept apart, exactly
//!   the first N; the blocks are a ring of `ceil(N / 31)` snapshots each, the
//!   oldest block cleared for the next. So the last window is exactly the
//!   last N up to N = 31, and less than one block more above.
//! - No N: a quarter of the complete snapshots (at least 1), which a stream
//!   knows only at its end. A block holds one snapshot until all blocks are
//!   used, then neighbours merge pairwise ([`merge_pairs`]) and each block
//!   holds 2, then 4, 8, … snapshots; the last block may hold fewer. Both
//!   windows are exact up to [`BLOCKS`] complete snapshots; above, a block is
//!   less than a sixteenth of the snapshots, and a window less than a block
//!   more than N.
//!
//! A key's mean is its sum over the window's snapshots (0 where it was
//! absent) divided by their number, rounded to the nearest integer, halves up.

use crate::analysis::series::merge_pairs;

/// Blocks per key: 256 bytes a key, kept only for `--diff`.
pub const BLOCKS: usize = 32;

/// Per key, its sums over blocks of complete snapshots; see the module documentation.
#[derive(Debug, Clone)]
pub struct Blocks {
    /// Key `k`'s block `j` is `sums[k * stride + j]`; keys past the end are all 0.
    sums: Vec<u64>,
    /// [`BLOCKS`], and one more slot (the first window's sum) with a fixed N.
    stride: usize,
    /// The N asked for, if it was: blocks are then a ring of a fixed width.
    fixed: Option<u64>,
    /// Snapshots a full block holds: 1, 2, 4, … (with a fixed N, `ceil(N / 31)`).
    width: u64,
    /// Blocks begun; the last may not be full. Without a fixed N at most
    /// [`BLOCKS`]: block `j` is slot `j`; with one, block `j` is slot `j % BLOCKS`.
    used: u64,
    /// Snapshots in the last block begun.
    in_last: u64,
    /// Complete snapshots seen.
    seen: u64,
}

/// One window: the slots of its blocks and how many snapshots they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// Its slots in each key's sums.
    slots: Vec<usize>,
    /// The snapshots they hold.
    pub snapshots: u64,
}

impl Blocks {
    /// Blocks for windows of `window` complete snapshots; none: the default share.
    pub fn new(window: Option<u64>) -> Blocks {
        let fixed = window.map(|n| n.max(1));
        Blocks {
            sums: Vec::new(),
            stride: BLOCKS + usize::from(fixed.is_some()),
            fixed,
            width: fixed.map_or(1, |n| n.div_ceil(BLOCKS as u64 - 1)),
            used: 0,
            in_last: 0,
            seen: 0,
        }
    }

    /// The slot of block `j`.
    fn slot(&self, j: u64) -> usize {
        (j % BLOCKS as u64) as usize
    }

    /// Opens one more complete snapshot, whose counts [`add`](Self::add) takes.
    pub fn begin(&mut self) {
        self.seen += 1;
        if self.used == 0 || self.in_last == self.width {
            if self.fixed.is_some() && self.used >= BLOCKS as u64 {
                // The ring's oldest block makes room for the new one.
                let slot = self.slot(self.used);
                let stride = self.stride;
                self.sums
                    .iter_mut()
                    .skip(slot)
                    .step_by(stride)
                    .for_each(|s| *s = 0);
            } else if self.used == BLOCKS as u64 {
                self.merge();
            }
            self.used += 1;
            self.in_last = 0;
        }
        self.in_last += 1;
    }

    /// Adds `count` to `key`'s sum in the snapshot opened last.
    pub fn add(&mut self, key: u32, count: u64) {
        let start = key as usize * self.stride;
        if self.sums.len() < start + self.stride {
            self.sums.resize(start + self.stride, 0);
        }
        let slot = self.slot(self.used - 1);
        self.sums[start + slot] += count;
        if self.fixed.is_some_and(|n| self.seen <= n) {
            self.sums[start + BLOCKS] += count;
        }
    }

    /// Merges neighbouring blocks: half as many, each twice as wide.
    fn merge(&mut self) {
        for key in self.sums.chunks_exact_mut(self.stride) {
            let merged = merge_pairs(key, |a, b| a + b);
            key[..merged.len()].copy_from_slice(&merged);
            key[merged.len()..].fill(0);
        }
        self.used = BLOCKS as u64 / 2;
        self.width *= 2;
    }

    /// The complete snapshots seen.
    pub fn snapshots(&self) -> u64 {
        self.seen
    }

    /// Snapshots in block `j`.
    fn size(&self, j: u64) -> u64 {
        if j + 1 == self.used {
            self.in_last
        } else {
            self.width
        }
    }

    /// The first and the last window of at least `n` snapshots (at least 1,
    /// at most all; with a fixed N, that N and the first exactly); none
    /// before a complete snapshot.
    pub fn windows(&self, n: u64) -> Option<(Window, Window)> {
        if self.seen == 0 {
            return None;
        }
        let n = self.fixed.unwrap_or(n).clamp(1, self.seen);
        let mut first = Window {
            slots: Vec::new(),
            snapshots: 0,
        };
        if self.fixed.is_some() {
            first.slots.push(BLOCKS);
            first.snapshots = n;
        } else {
            while first.snapshots < n {
                let j = first.slots.len() as u64;
                first.snapshots += self.size(j);
                first.slots.push(self.slot(j));
            }
        }
        let mut last = Window {
            slots: Vec::new(),
            snapshots: 0,
        };
        let mut j = self.used;
        while last.snapshots < n {
            j -= 1;
            last.snapshots += self.size(j);
            last.slots.push(self.slot(j));
        }
        Some((first, last))
    }

    /// `key`'s sum over the blocks of `window`.
    pub fn sum(&self, key: u32, window: &Window) -> u64 {
        let start = key as usize * self.stride;
        match self.sums.get(start..start + self.stride) {
            Some(sums) => window.slots.iter().map(|&slot| sums[slot]).sum(),
            None => 0,
        }
    }
}

/// The default window: a quarter of the complete snapshots, rounded down, at least 1.
pub fn default_window(snapshots: u64) -> u64 {
    (snapshots / 4).max(1)
}

/// `sum` over `snapshots` snapshots as a mean per snapshot, rounded to the
/// nearest integer, halves up.
pub fn mean(sum: u64, snapshots: u64) -> u64 {
    let n = snapshots.max(1);
    sum / n + u64::from(sum % n >= n - n / 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks fed `counts` (one key), one snapshot each.
    fn fed(counts: impl IntoIterator<Item = u64>) -> Blocks {
        fed_with(None, counts)
    }

    fn fed_with(window: Option<u64>, counts: impl IntoIterator<Item = u64>) -> Blocks {
        let mut blocks = Blocks::new(window);
        for count in counts {
            blocks.begin();
            if count > 0 {
                blocks.add(0, count);
            }
        }
        blocks
    }

    #[test]
    fn exact_while_every_block_holds_one_snapshot() {
        let blocks = fed(1..=BLOCKS as u64);
        assert_eq!(blocks.snapshots(), BLOCKS as u64);
        let (first, last) = blocks.windows(3).unwrap();
        assert_eq!((first.snapshots, last.snapshots), (3, 3));
        assert_eq!(blocks.sum(0, &first), 1 + 2 + 3);
        let n = BLOCKS as u64;
        assert_eq!(blocks.sum(0, &last), n + (n - 1) + (n - 2));
        // A key never seen sums to 0.
        assert_eq!(blocks.sum(7, &first), 0);
    }

    #[test]
    fn blocks_merge_pairwise_and_windows_round_up_to_blocks() {
        // 100 snapshots: widths 1, 2, 4 (32 blocks of 4 hold 128).
        let blocks = fed(0..100);
        assert_eq!(blocks.snapshots(), 100);
        assert_eq!((blocks.width, blocks.used), (4, 25));
        let total: u64 = (0..100).sum();
        let all = blocks.windows(1000).unwrap();
        assert_eq!((all.0.snapshots, all.1.snapshots), (100, 100));
        assert_eq!(blocks.sum(0, &all.0), total);
        // 25 = a quarter: the first 7 blocks (28 snapshots), the last 7 (28).
        let (first, last) = blocks.windows(default_window(100)).unwrap();
        assert_eq!((first.snapshots, last.snapshots), (28, 28));
        assert_eq!(blocks.sum(0, &first), (0..28).sum::<u64>());
        assert_eq!(blocks.sum(0, &last), (72..100).sum::<u64>());
        // 102 snapshots: the last block holds 2, so the last window is 6 blocks + 2.
        let blocks = fed(0..102);
        let (first, last) = blocks.windows(25).unwrap();
        assert_eq!((first.snapshots, last.snapshots), (28, 26));
        assert_eq!(blocks.sum(0, &last), (76..102).sum::<u64>());
    }

    #[test]
    fn means_round_halves_up() {
        assert_eq!(mean(0, 4), 0);
        assert_eq!(mean(5, 10), 1);
        assert_eq!(mean(4, 10), 0);
        assert_eq!(mean(15, 10), 2);
        assert_eq!(mean(7, 3), 2);
        assert_eq!(mean(3, 1), 3);
        assert_eq!(default_window(3), 1);
        assert_eq!(default_window(40), 10);
    }

    #[test]
    fn nothing_complete_no_windows() {
        assert_eq!(Blocks::new(None).windows(4), None);
        assert_eq!(Blocks::new(Some(4)).windows(4), None);
    }

    #[test]
    fn a_fixed_window_is_exact_up_to_31_and_within_a_block_above() {
        for n in [1, 2, 5, 31] {
            for len in [1, 3, 31, 32, 33, 100, 1000] {
                let blocks = fed_with(Some(n), 0..len);
                let (first, last) = blocks.windows(0).unwrap();
                let k = n.min(len);
                assert_eq!((first.snapshots, last.snapshots), (k, k), "{n} {len}");
                assert_eq!(blocks.sum(0, &first), (0..k).sum::<u64>(), "{n} {len}");
                assert_eq!(
                    blocks.sum(0, &last),
                    (len - k..len).sum::<u64>(),
                    "{n} {len}"
                );
            }
        }
        // 100: blocks of 4 in the ring; the first window stays exact.
        let blocks = fed_with(Some(100), 0..1000);
        let (first, last) = blocks.windows(0).unwrap();
        assert_eq!(first.snapshots, 100);
        assert_eq!(blocks.sum(0, &first), (0..100).sum::<u64>());
        assert_eq!(last.snapshots, 100);
        assert_eq!(blocks.sum(0, &last), (900..1000).sum::<u64>());
        let blocks = fed_with(Some(100), 0..1002);
        let (_, last) = blocks.windows(0).unwrap();
        assert_eq!(last.snapshots, 102);
        assert_eq!(blocks.sum(0, &last), (900..1002).sum::<u64>());
    }
}
