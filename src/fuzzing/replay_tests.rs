//! Replays `fuzz/corpus/<target>/*` through the fuzzing entry points,
//! natively and without sanitizers, so every seed and every input the
//! fuzzer kept (crashes included, once fixed) guards `cargo test`.

use std::path::PathBuf;

use super::TARGETS;

fn replay(target: &str) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target);
    let entry = TARGETS.iter().find(|(name, _)| *name == target).expect("a target of that name").1;
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} has no corpus files", dir.display());
    for file in files {
        let data = std::fs::read(&file).expect("a corpus file");
        let outcome = std::panic::catch_unwind(|| entry(&data));
        assert!(outcome.is_ok(), "{target}: {} fails its properties", file.display());
    }
}

macro_rules! replay_tests {
    ($($name:ident),* $(,)?) => {
        $(#[test] fn $name() { replay(stringify!($name)); })*

        /// Every target has its replay test (and so its corpus folder).
        #[test]
        fn every_target_is_replayed() {
            let replayed = [$(stringify!($name)),*];
            for (name, _) in TARGETS {
                assert!(replayed.contains(name), "{name} has no replay test");
            }
        }
    };
}

replay_tests!(
    mcp_message,
    header_value,
    type_document,
    arguments,
    pkce,
    redirect,
    jwt,
    cursor,
    semver,
    diff,
    ssrf,
    audit_query,
);
