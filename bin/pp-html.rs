//! `pp-html`: one self-contained HTML report of Go profiles.

use parseprof::cli;

fn main() {
    cli::main("pp-html", cli::html::parser(), cli::html::run)
}
