//! Printing objects and per-object summaries the way kubectl does.

use crate::cluster::DryRun;
use crate::cluster::onboard::Applied;
pub use crate::manifest::output::OutputFormat;
use crate::manifest::output::render_objects;

/// `--dry-run` and `-o`, shared by every command that writes.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct WriteFlags {
    /// none: write; client: print, send nothing; server: send with dryRun=All.
    #[arg(long, value_enum, default_value = "none", num_args = 0..=1, default_missing_value = "client", require_equals = true)]
    pub dry_run: DryRun,
    /// Output format: yaml, json or name (default: one summary line per object).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<OutputFormat>,
}

/// Prints objects in the chosen format to stdout.
pub fn print_objects(objects: &[serde_json::Value], format: OutputFormat) -> anyhow::Result<()> {
    let text = render_objects(objects, format)?;
    print!("{text}");
    if !text.ends_with('\n') {
        println!();
    }
    Ok(())
}

/// Prints what happened: objects in `format` if given, else `kind.group/name action` lines.
pub fn print_applied(
    applied: &[Applied],
    format: Option<OutputFormat>,
    dry_run: DryRun,
) -> anyhow::Result<()> {
    match format {
        Some(format) => {
            let objects: Vec<_> = applied.iter().map(|a| a.object.clone()).collect();
            print_objects(&objects, format)
        }
        None => {
            for a in applied {
                println!("{} {}{}", a.reference, a.action, dry_run.suffix());
            }
            Ok(())
        }
    }
}
