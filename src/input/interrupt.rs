//! The end of input a signal asks for.
//!
//! For a filter at the end of a live pipe, Ctrl-C *is* how input ends. After
//! [`install`], the first SIGINT or SIGTERM ends the input as end of file
//! would: the reading stops at the next chunk, the snapshot in progress is
//! reported, and every output writes what it holds; the program then exits
//! with 128 + the signal's number (130, 143). A second signal exits at once,
//! in case writing hangs.

use std::io;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static SIGNAL: AtomicUsize = AtomicUsize::new(0);

/// Makes SIGINT and SIGTERM end the input (see the module documentation).
pub fn install() -> io::Result<()> {
    for signal in [SIGINT, SIGTERM] {
        // The shutdown first: it must see the flag as the previous signal left it.
        signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, &REQUESTED)?;
        signal_hook::flag::register_usize(signal, &SIGNAL, signal as usize)?;
        signal_hook::flag::register(signal, &REQUESTED)?;
    }
    Ok(())
}

/// True once a signal asked the input to end.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// The signal that ended the input, if one did.
pub fn signal() -> Option<i32> {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal as i32),
    }
}
