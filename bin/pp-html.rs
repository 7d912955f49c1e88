//! `pp-html`: one self-contained HTML report of Go profiles.

use parseprof::cli;

fn main() {
    cli::html::main()
}
