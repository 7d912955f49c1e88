//! `pp-html`: one self-contained HTML report of Go profiles.

use parseprof::{cli, output::html};

fn main() {
    cli::main("pp-html", html::parser(), html::run)
}
