//! Man pages generated from the clap definitions (clap_mangen): one page for the plugin and one
//! per visible subcommand, `kubectl-kubeflow.1`, `kubectl-kubeflow-onboard.1`, ... as git does.
//! Synopses read `kubectl kubeflow ...`, the way users run the plugin.

use std::path::{Path, PathBuf};

use super::{BIN_NAME, KUBECTL_INVOCATION};

/// Why a man page could not be rendered or written.
#[derive(Debug, thiserror::Error)]
pub enum ManError {
    /// Rendering into memory failed (clap_mangen reports I/O errors even for buffers).
    #[error("cannot render the man page for `{command}`: {source}")]
    Render {
        /// The command whose page failed.
        command: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Writing a page file failed.
    #[error(
        "cannot write man page {path}: {source}; check that the directory exists and is writable"
    )]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// One rendered page: its file name (`<name>.1`) and its roff source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManPage {
    /// File name, e.g. `kubectl-kubeflow-onboard.1`.
    pub file_name: String,
    /// roff source, ready for `man -l`.
    pub roff: Vec<u8>,
}

fn render_one(cmd: clap::Command, page_name: &str) -> Result<ManPage, ManError> {
    let man = clap_mangen::Man::new(cmd).title(page_name.to_ascii_uppercase());
    let mut roff = Vec::new();
    man.render(&mut roff).map_err(|source| ManError::Render {
        command: page_name.to_string(),
        source,
    })?;
    Ok(ManPage {
        file_name: format!("{page_name}.1"),
        roff,
    })
}

/// Renders the top-level page (`kubectl-kubeflow(1)`) for `cmd`: name, synopsis, description,
/// options, the list of subcommands, and the version.
pub fn render_man(cmd: clap::Command) -> Result<Vec<u8>, ManError> {
    let cmd = cmd
        .name(BIN_NAME)
        .bin_name(KUBECTL_INVOCATION)
        .display_name(BIN_NAME);
    Ok(render_one(cmd, BIN_NAME)?.roff)
}

/// Renders the top-level page and one page per visible subcommand, recursively, each named
/// `<parent>-<subcommand>.1`. Subcommand pages include the examples from their `after_help`.
pub fn render_man_pages(cmd: clap::Command) -> Result<Vec<ManPage>, ManError> {
    let mut cmd = cmd
        .name(BIN_NAME)
        .bin_name(KUBECTL_INVOCATION)
        .display_name(BIN_NAME);
    cmd.build();
    let mut pages = Vec::new();
    collect(&cmd, BIN_NAME, KUBECTL_INVOCATION, &mut pages)?;
    Ok(pages)
}

fn collect(
    cmd: &clap::Command,
    page_name: &str,
    invocation: &str,
    pages: &mut Vec<ManPage>,
) -> Result<(), ManError> {
    let page_cmd = cmd.clone().bin_name(invocation).display_name(page_name);
    pages.push(render_one(page_cmd, page_name)?);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        collect(
            sub,
            &format!("{page_name}-{name}"),
            &format!("{invocation} {name}"),
            pages,
        )?;
    }
    Ok(())
}

/// Writes every page of [`render_man_pages`] into `dir` (which must exist) and returns the paths,
/// for packaging (`man -M`) or for `kubectl kubeflow man --dir DIR`.
pub fn write_man_pages(cmd: clap::Command, dir: &Path) -> Result<Vec<PathBuf>, ManError> {
    render_man_pages(cmd)?
        .into_iter()
        .map(|page| {
            let path = dir.join(&page.file_name);
            std::fs::write(&path, &page.roff).map_err(|source| ManError::Write {
                path: path.clone(),
                source,
            })?;
            Ok(path)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use clap::{Arg, Command};

    fn sample() -> Command {
        Command::new("kubectl-kubeflow")
            .version("0.1.0")
            .about("Manage Kubeflow profiles, users and permissions")
            .bin_name("kubectl kubeflow")
            .display_name("kubectl kubeflow")
            .arg(
                Arg::new("context")
                    .long("context")
                    .global(true)
                    .help("Kubeconfig context to use"),
            )
            .subcommand(
                Command::new("onboard")
                    .about("Create a Profile for a new user")
                    .arg(Arg::new("email").value_name("USER_EMAIL").required(true))
                    .after_help(
                        "Examples:\n  kubectl kubeflow onboard alice@example.com --dry-run=client",
                    ),
            )
            .subcommand(Command::new("version").about("Print the plugin version"))
            .subcommand(Command::new("internal").hide(true))
    }

    fn text(roff: &[u8]) -> String {
        String::from_utf8(roff.to_vec()).unwrap()
    }

    #[test]
    fn top_page_has_title_synopsis_options_and_subcommands() {
        let page = text(&render_man(sample()).unwrap());
        assert!(page.contains(".TH KUBECTL-KUBEFLOW 1"), "{page}");
        assert!(
            page.contains("kubectl kubeflow"),
            "synopsis uses the kubectl invocation: {page}"
        );
        assert!(page.contains("Manage Kubeflow profiles"), "{page}");
        assert!(page.contains("context"), "{page}");
        assert!(
            page.contains("onboard") && page.contains("version"),
            "{page}"
        );
        assert!(page.contains("0.1.0"), "{page}");
    }

    #[test]
    fn one_page_per_visible_subcommand_with_examples() {
        let pages = render_man_pages(sample()).unwrap();
        let names: Vec<&str> = pages.iter().map(|p| p.file_name.as_str()).collect();
        assert_eq!(
            names,
            [
                "kubectl-kubeflow.1",
                "kubectl-kubeflow-onboard.1",
                "kubectl-kubeflow-version.1"
            ]
        );
        let onboard = text(&pages[1].roff);
        assert!(
            onboard.contains(".TH KUBECTL-KUBEFLOW-ONBOARD 1"),
            "{onboard}"
        );
        assert!(onboard.contains("kubectl kubeflow onboard"), "{onboard}");
        assert!(onboard.contains("USER_EMAIL"), "{onboard}");
        assert!(
            onboard.contains("alice@example.com"),
            "examples are kept: {onboard}"
        );
    }

    #[test]
    fn pages_are_written_to_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let paths = write_man_pages(sample(), dir.path()).unwrap();
        assert_eq!(paths.len(), 3);
        for p in &paths {
            assert!(
                std::fs::read_to_string(p).unwrap().starts_with(".ie"),
                "{p:?} is not roff"
            );
        }
        let missing = dir.path().join("no/such/dir");
        let err = write_man_pages(sample(), &missing).unwrap_err();
        assert!(err.to_string().contains("cannot write man page"), "{err}");
    }
}
