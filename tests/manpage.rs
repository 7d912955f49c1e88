//! The man pages in `man/` are rendered from the same bpaf parsers as
//! `--help`; this test fails when they drift. `BLESS=1` rewrites them.

use std::path::Path;
use std::{env, fs};

use bpaf::doc::Section;
use parseprof::cli::{fold, html, split, totals};

fn page<T>(name: &str, parser: bpaf::OptionParser<T>) -> String {
    let vendor = Some(concat!("parseprof ", env!("CARGO_PKG_VERSION")));
    parser.render_manpage(
        name,
        Section::General,
        None,
        vendor,
        Some("parseprof manual"),
    )
}

fn pages() -> Vec<(&'static str, String)> {
    vec![
        ("pp-fold", page("pp-fold", fold::parser())),
        ("pp-html", page("pp-html", html::parser())),
        ("pp-split", page("pp-split", split::parser())),
        ("pp-totals", page("pp-totals", totals::parser())),
    ]
}

#[test]
fn man_pages_match_the_parsers() {
    for (name, page) in pages() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("man")
            .join(format!("{name}.1"));
        if env::var_os("BLESS").is_some() {
            fs::write(&path, &page).unwrap();
            continue;
        }
        let committed = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == page,
            "man/{name}.1 is stale: run `BLESS=1 cargo test --test manpage` and review"
        );
    }
}

#[test]
fn every_binary_has_a_man_page() {
    let bins = fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("bin")).unwrap();
    let names: Vec<&str> = pages().iter().map(|(n, _)| *n).collect::<Vec<_>>();
    for entry in bins {
        let file = entry.unwrap().file_name().into_string().unwrap();
        let name = file.trim_end_matches(".rs");
        assert!(
            names.contains(&name),
            "{name} has no man page in tests/manpage.rs"
        );
    }
}
