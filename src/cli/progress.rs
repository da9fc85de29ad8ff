//! Progress for the long operations, on a terminal only: indicatif draws on stderr when a
//! person is watching and hides itself otherwise, so pipes and scripts see only results.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A bar over `total` steps, `prefix` before it and the last step's text after it.
pub fn bar(total: usize, prefix: &str) -> ProgressBar {
    let bar = ProgressBar::new(u64::try_from(total).unwrap_or(u64::MAX));
    if let Ok(style) = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {wide_msg}") {
        bar.set_style(style.progress_chars("#>-"));
    }
    bar.set_prefix(prefix.to_string());
    bar
}

/// A spinner with `message` while something of unknown length runs; clear it with
/// `finish_and_clear` when done.
pub fn spinner(message: String) -> ProgressBar {
    let spinner = ProgressBar::new_spinner();
    spinner.set_message(message);
    spinner.enable_steady_tick(Duration::from_millis(100));
    spinner
}
