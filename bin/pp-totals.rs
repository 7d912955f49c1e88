//! `pp-totals`: one CSV row per snapshot of a Go profile log.

use parseprof::{cli, output::totals};

fn main() {
    cli::main("pp-totals", totals::parser(), totals::run)
}
