//! One output module per binary, each with its command line (`parser`) and
//! its `run`: `totals` is `pp-totals`, `split` is `pp-split`, `fold` is `pp-fold`,
//! `html` is `pp-html`.

pub mod fold;
pub mod html;
pub mod split;
pub mod totals;
