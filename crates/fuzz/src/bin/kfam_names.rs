//! AFL target: see `targets::kfam_names` in tests/fuzz/targets.rs (shared with tests/fuzz_corpus.rs).

#[allow(dead_code)]
#[path = "../../../../tests/fuzz/targets.rs"]
mod targets;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        targets::kfam_names(data);
    });
}
