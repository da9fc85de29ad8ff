//! The commands' failure type and the exit code each failure maps to.

/// A failure with the exit code it maps to.
#[derive(Debug)]
pub enum CliError {
    /// Bad input detected before any request: exit 2.
    Usage(anyhow::Error),
    /// Anything else: exit 1.
    Failed(anyhow::Error),
    /// The command ran and found problems (doctor): exit 3, output already printed.
    Findings,
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        CliError::Failed(e)
    }
}

/// Result type of the command runners.
pub type CliResult = Result<(), CliError>;

/// An error and its causes, `: `-separated, each said once: a context that already quotes
/// its cause (`quota "cpu=abc": quantity "abc" does not ...`) does not get it repeated.
pub fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let said = cause.to_string();
        if said.is_empty() || text.contains(&said) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&said);
    }
    text
}
