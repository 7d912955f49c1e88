//! `pp-split`: split a Go profile log into snapshots.

use parseprof::{cli, output::split};

fn main() {
    cli::main("pp-split", split::parser(), split::run)
}
