//! `make install PREFIX=DIR`: binaries, man pages readable by `man -l`, and
//! completions for bash, zsh and fish, all under DIR, no root needed; `make
//! uninstall` takes them away again.

mod common;

use std::path::Path;
use std::process::Command;

fn make(target: &str, prefix: &Path) {
    let built = common::bin("pp-totals");
    let status = Command::new("make")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg(target)
        .arg(format!("PREFIX={}", prefix.display()))
        // The binaries this test run built: make builds nothing itself.
        .arg(format!("BUILT={}", built.parent().unwrap().display()))
        .status()
        .expect("make (apt-get install make)");
    assert!(status.success(), "make {target}");
}

#[test]
fn make_install_puts_everything_under_prefix() {
    let prefix = std::env::temp_dir().join(format!("parseprof-install-{}", std::process::id()));
    make("install", &prefix);
    for name in ["pp-split", "pp-totals", "pp-fold", "pp-html"] {
        let version = Command::new(prefix.join("bin").join(name))
            .arg("--version")
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&version.stdout),
            format!("{name} {}\n", env!("CARGO_PKG_VERSION"))
        );
        let page = prefix.join(format!("share/man/man1/{name}.1"));
        let man = Command::new("man")
            .arg("-l")
            .arg(&page)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100")
            .output()
            .expect("man (apt-get install man-db)");
        let text = String::from_utf8_lossy(&man.stdout);
        assert!(
            man.status.success() && text.contains("NAME"),
            "{name}: {text}"
        );
        // man justifies lines, so words may stand further apart.
        let words: Vec<&str> = text.split_whitespace().collect();
        assert!(words.windows(2).any(|w| w == ["Exit", "status:"]), "{name}");

        let bash = prefix.join(format!("share/bash-completion/completions/{name}"));
        let listed = Command::new("bash")
            .arg("-c")
            .arg(format!("source '{}' && complete -p {name}", bash.display()))
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&listed.stdout)
                .contains(&format!("-F _bpaf_dynamic_completion {name}")),
            "{name}: {}",
            String::from_utf8_lossy(&listed.stderr)
        );
        let zsh = std::fs::read_to_string(prefix.join(format!("share/zsh/site-functions/_{name}")))
            .unwrap();
        assert!(zsh.starts_with(&format!("#compdef {name}")));
        let fish = std::fs::read_to_string(
            prefix.join(format!("share/fish/vendor_completions.d/{name}.fish")),
        )
        .unwrap();
        assert!(
            fish.contains(&format!("complete --no-files --command {name}")) || fish.contains(name)
        );
    }
    make("uninstall", &prefix);
    let left: Vec<_> = walk(&prefix);
    assert!(left.is_empty(), "left behind: {left:?}");
    let _ = std::fs::remove_dir_all(&prefix);
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
