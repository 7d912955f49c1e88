//! One output module per binary, each with its command line (`parser`) and
//! its `run`: `totals` is `pp-totals`, `split` is `pp-split`, `fold` is `pp-fold`.

pub mod fold;
pub mod split;
pub mod totals;
