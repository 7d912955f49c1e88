//! The pseudo-frames an aggregation puts above a stack's root: the snapshot
//! (`--per-snapshot`), the goroutine state (`--state`), the labels
//! (`--labels`), each interned once to a small id with its folded text.

use super::name::push_safe;
use crate::model::{FastMap, Interner, Snapshot, parse_labels};

/// Interned root frames; id 0 of labels and states means "none".
#[derive(Debug)]
pub struct Roots {
    /// Label text → id; id 0 is "no labels".
    label_ids: FastMap<Box<[u8]>, u32>,
    /// Per label id: its folded form (`k=v;k2=v2`) and its text as read.
    labels: Vec<(String, Box<[u8]>)>,
    /// Interned state id → its root frame (`[chan receive]`).
    states: FastMap<u32, String>,
    /// Per snapshot root id: its text (the time, or `snapshot#N`).
    snapshots: Vec<String>,
}

impl Default for Roots {
    fn default() -> Roots {
        Roots {
            label_ids: FastMap::default(),
            labels: vec![(String::new(), Box::default())],
            states: FastMap::default(),
            snapshots: Vec::new(),
        }
    }
}

impl Roots {
    /// The id of the labels whose text is `text` (`{"k":"v"}`); 0 for none.
    pub fn label_id(&mut self, text: &[u8]) -> u32 {
        if text.is_empty() {
            return 0;
        }
        if let Some(&id) = self.label_ids.get(text) {
            return id;
        }
        let mut folded = String::new();
        for (i, (key, value)) in parse_labels(text).iter().enumerate() {
            if i > 0 {
                folded.push(';');
            }
            push_safe(&format!("{key}={value}"), &mut folded);
        }
        let id = if folded.is_empty() {
            0
        } else {
            self.labels.push((folded, text.into()));
            self.labels.len() as u32 - 1
        };
        self.label_ids.insert(text.into(), id);
        id
    }

    /// The folded form of label id `id`: `key=value` frames joined by `;`.
    pub fn label_text(&self, id: u32) -> &str {
        &self.labels[id as usize].0
    }

    /// The labels of label id `id`, as `(key, value)` pairs.
    pub fn label_pairs(&self, id: u32) -> Vec<(String, String)> {
        parse_labels(&self.labels[id as usize].1)
    }

    /// The id of interned state `state` as a root (the state id itself); 0 for none.
    pub fn state_id(&mut self, state: u32, interner: &Interner) -> u32 {
        if state != 0 {
            self.states.entry(state).or_insert_with(|| {
                let mut root = String::from("[");
                push_safe(interner.state_name(state), &mut root);
                root.push(']');
                root
            });
        }
        state
    }

    /// The root frame of state id `id` (`[chan receive]`).
    pub fn state_text(&self, id: u32) -> &str {
        &self.states[&id]
    }

    /// A new root for `snap`: its time, or `snapshot#N` without one.
    pub fn snapshot_id(&mut self, snap: &Snapshot) -> u32 {
        let mut root = String::new();
        match snap.time {
            Some(time) => push_safe(&time.to_string(), &mut root),
            None => root.push_str(&format!("snapshot#{}", snap.index)),
        }
        self.snapshots.push(root);
        self.snapshots.len() as u32 - 1
    }

    /// The root frame of snapshot root `id`.
    pub fn snapshot_text(&self, id: u32) -> &str {
        &self.snapshots[id as usize]
    }
}
