//! Replays every input the fuzzers kept (`tests/data/fuzz/<target>/`: the minimised AFL
//! queue plus every crash and hang found) through the same target bodies the fuzzers run
//! (`tests/fuzz/targets.rs`), so a fixed crash stays fixed. See crates/fuzz/README.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "fuzz/targets.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_still_holds_its_invariants() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut failures = Vec::new();
    let mut total = 0;
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let mut files: Vec<_> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .map(|entry| entry.expect("readable directory entry").path())
                .filter(|p| p.is_file())
                .collect(),
            Err(e) => {
                failures.push(format!("{}: missing corpus directory ({e})", dir.display()));
                continue;
            }
        };
        files.sort();
        if files.is_empty() {
            failures.push(format!(
                "{}: empty corpus directory (the test would pass on nothing)",
                dir.display()
            ));
        }
        for file in files {
            let data = std::fs::read(&file).expect("readable corpus file");
            total += 1;
            if std::panic::catch_unwind(|| target(&data)).is_err() {
                failures.push(file.display().to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems with {total} fuzz inputs:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
