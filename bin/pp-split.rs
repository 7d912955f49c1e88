//! `pp-split`: split a Go profile log into snapshots.

use parseprof::cli;

fn main() {
    cli::split::main()
}
