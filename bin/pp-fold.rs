//! `pp-fold`: folded stacks of Go profiles for flame graphs.

use parseprof::{cli, output::fold};

fn main() {
    cli::main("pp-fold", fold::parser(), fold::run)
}
