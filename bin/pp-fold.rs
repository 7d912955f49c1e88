//! `pp-fold`: folded stacks of Go profiles for flame graphs.

use parseprof::cli;

fn main() {
    cli::main("pp-fold", cli::fold::parser(), cli::fold::run)
}
