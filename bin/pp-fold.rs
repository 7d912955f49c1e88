//! `pp-fold`: folded stacks of Go profiles for flame graphs.

use parseprof::cli;

fn main() {
    cli::fold::main()
}
