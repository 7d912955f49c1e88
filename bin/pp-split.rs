//! `pp-split`: split a Go profile log into snapshots.

use parseprof::cli;

fn main() {
    cli::main("pp-split", cli::split::parser(), cli::split::run)
}
