//! `pp-totals`: one CSV row per snapshot of a Go profile log.

use parseprof::cli;

fn main() {
    cli::totals::main()
}
