//! kubectl's plugin completion protocol (kubectl 1.26+, kubernetes/kubernetes#105867).
//!
//! When the user presses TAB after `kubectl kubeflow`, kubectl runs the executable
//! `kubectl_complete-kubeflow` from PATH with the words typed after the plugin name, the last
//! one being the word under the cursor (`""` for a new word). It reads stdout in cobra's
//! `__complete` format: one candidate per line (optionally `value<TAB>description`), then a last
//! line `:<directive>` with cobra's ShellCompDirective bits. kubectl then hands the candidates to
//! its own bash, zsh, fish or PowerShell completion, so this one path serves all four shells.
//!
//! The helper (`assets/completion/kubectl_complete-kubeflow`) runs
//! `kubectl-kubeflow __complete WORDS...`; [`complete_cobra`] answers that from the clap
//! definitions through clap_complete's completion engine. Values that live in the cluster
//! (profile names, user emails) come from [`cluster_candidates`] attached to the arguments with
//! [`attach_value_candidates`].

use std::ffi::OsString;
use std::future::Future;
use std::io::Write;
use std::time::Duration;

use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

use super::BIN_NAME;

/// The hidden first argument that selects completion mode: `kubectl-kubeflow __complete ...`.
pub const COMPLETE_SUBCOMMAND: &str = "__complete";

/// cobra's ShellCompDirective bits, which kubectl reads from the helper's last line.
pub mod directive {
    /// Let the shell do its default (file names) when there are no candidates.
    pub const DEFAULT: u32 = 0;
    /// Completion failed; the shell offers nothing.
    pub const ERROR: u32 = 1;
    /// Do not add a space after the completed word (for `--flag=` and directories).
    pub const NO_SPACE: u32 = 2;
    /// Do not fall back to file names.
    pub const NO_FILE_COMP: u32 = 4;
}

/// Why the completion answer could not be written.
#[derive(Debug, thiserror::Error)]
pub enum KubectlCompleteError {
    /// stdout is gone (the shell gave up waiting, or the pipe closed).
    #[error(
        "cannot write completion candidates: {0}; kubectl closed the pipe or stdout is unwritable"
    )]
    Write(#[from] std::io::Error),
}

/// Answers one kubectl plugin completion request.
///
/// `words` are the arguments kubectl passed to the helper: everything after `kubectl kubeflow`,
/// the last being the (possibly empty) word to complete. Writes the candidates, then the
/// directive line. Completion itself never fails loudly: if the engine cannot make sense of the
/// words, the answer is just `:1` (cobra's error directive) so the shell offers nothing instead
/// of printing an error into the command line.
pub fn complete_cobra(
    cmd: clap::Command,
    words: &[OsString],
    out: &mut dyn Write,
) -> Result<(), KubectlCompleteError> {
    let mut cmd = cmd.bin_name(BIN_NAME);
    let mut args = Vec::with_capacity(words.len() + 2);
    args.push(OsString::from(BIN_NAME));
    args.extend(words.iter().cloned());
    if words.is_empty() {
        args.push(OsString::new());
    }
    let index = args.len() - 1;
    let current_word = args[index].to_string_lossy().into_owned();
    let current_dir = std::env::current_dir().ok();
    match clap_complete::engine::complete(&mut cmd, args, index, current_dir.as_deref()) {
        Ok(candidates) => write_cobra(&candidates, &current_word, out),
        Err(_) => {
            writeln!(out, ":{}", directive::ERROR)?;
            Ok(())
        }
    }
}

/// Writes candidates in cobra's format and picks the directive: no file fallback when there are
/// candidates (the engine completes paths itself for path arguments), no space after a word
/// that is a prefix to continue (`--flag=`, `dir/`), and the shell's default when there is
/// nothing to offer (so a free-form argument such as `--kubeconfig FILE` still completes files).
/// As in kubectl, flags are offered only once the word starts with `-`, unless they are all
/// there is to offer.
fn write_cobra(
    candidates: &[CompletionCandidate],
    current_word: &str,
    out: &mut dyn Write,
) -> Result<(), KubectlCompleteError> {
    let is_flag = |c: &&CompletionCandidate| c.get_value().to_string_lossy().starts_with('-');
    let visible: Vec<&CompletionCandidate> =
        candidates.iter().filter(|c| !c.is_hide_set()).collect();
    let hide_flags = !current_word.starts_with('-') && visible.iter().any(|c| !is_flag(c));
    let mut shown = 0usize;
    let mut all_continue = true;
    for candidate in visible.into_iter().filter(|c| !(hide_flags && is_flag(c))) {
        let value = candidate.get_value().to_string_lossy();
        if value.is_empty() || value.contains(['\n', '\t']) {
            continue;
        }
        let help = candidate
            .get_help()
            .map(|h| h.to_string())
            .and_then(|h| h.lines().next().map(str::trim).map(str::to_owned))
            .filter(|h| !h.is_empty());
        match help {
            Some(help) => writeln!(out, "{value}\t{help}")?,
            None => writeln!(out, "{value}")?,
        }
        all_continue &= value.ends_with('=') || value.ends_with('/');
        shown += 1;
    }
    let mut bits = directive::DEFAULT;
    if shown > 0 {
        bits |= directive::NO_FILE_COMP;
        if all_continue {
            bits |= directive::NO_SPACE;
        }
    }
    writeln!(out, ":{bits}")?;
    Ok(())
}

/// Attaches `candidates` to every argument with id `arg_id`, in `cmd` and all its subcommands
/// (clap derive uses the field name as id: `profile` for `--profile`, `email` for `EMAIL`).
/// Arguments with another id are untouched; an id that appears nowhere changes nothing.
pub fn attach_value_candidates(
    cmd: clap::Command,
    arg_id: &str,
    candidates: &ArgValueCandidates,
) -> clap::Command {
    cmd.mut_args(|arg| {
        if arg.get_id() == arg_id {
            arg.add(candidates.clone())
        } else {
            arg
        }
    })
    .mut_subcommands(|sub| attach_value_candidates(sub, arg_id, candidates))
}

/// Completion values fetched from the cluster, e.g. profile names or contributor emails.
///
/// `fetch` runs on a fresh single-threaded tokio runtime on its own thread (so this works
/// whether or not the caller is inside a runtime), and is abandoned after `timeout`: a slow or
/// unreachable cluster must not freeze the shell. Any failure (no kubeconfig, 403, timeout)
/// gives no candidates rather than an error, as completion has nowhere to show one. Each item is
/// a value and an optional one-line description.
pub fn cluster_candidates<F, Fut, E>(timeout: Duration, fetch: F) -> ArgValueCandidates
where
    F: Fn() -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<Vec<(String, Option<String>)>, E>>,
{
    ArgValueCandidates::new(move || {
        let fetch = fetch.clone();
        let values = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async move { tokio::time::timeout(timeout, fetch()).await.ok()?.ok() })
        })
        .join()
        .ok()
        .flatten()
        .unwrap_or_default();
        values
            .into_iter()
            .map(|(value, help)| CompletionCandidate::new(value).help(help.map(Into::into)))
            .collect::<Vec<_>>()
    })
}

/// The value of a long flag (`--name VALUE` or `--name=VALUE`) among the words being completed,
/// so a completer can honour `--context`, `--kubeconfig` or `-n` typed earlier on the line.
/// The last occurrence wins, as in clap; the word under the cursor (the last) is not read.
pub fn flag_value(words: &[OsString], long: &str, short: Option<char>) -> Option<String> {
    let done = words.len().saturating_sub(1);
    let words: Vec<String> = words[..done]
        .iter()
        .map(|w| w.to_string_lossy().into_owned())
        .collect();
    let long_flag = format!("--{long}");
    let long_eq = format!("--{long}=");
    let short_flag = short.map(|c| format!("-{c}"));
    let mut found = None;
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w == "--" {
            break;
        }
        if let Some(v) = w.strip_prefix(&long_eq) {
            found = Some(v.to_string());
        } else if *w == long_flag || short_flag.as_deref() == Some(w.as_str()) {
            if let Some(v) = words.get(i + 1) {
                found = Some(v.clone());
                i += 1;
            }
        } else if let Some(s) = short_flag.as_deref()
            && let Some(v) = w.strip_prefix(s)
            && !v.is_empty()
        {
            found = Some(v.trim_start_matches('=').to_string());
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use clap::{Arg, ArgAction, Command};

    fn sample() -> Command {
        Command::new("kubectl-kubeflow")
            .arg(
                Arg::new("context")
                    .long("context")
                    .global(true)
                    .help("Kubeconfig context"),
            )
            .arg(
                Arg::new("kubeconfig")
                    .long("kubeconfig")
                    .global(true)
                    .value_name("FILE"),
            )
            .subcommand(
                Command::new("onboard")
                    .about("Create a Profile for a new user")
                    .arg(Arg::new("email").required(true))
                    .arg(Arg::new("profile").long("profile").help("Profile name"))
                    .arg(
                        Arg::new("limit-range")
                            .long("limit-range")
                            .action(ArgAction::SetTrue),
                    )
                    .arg(
                        Arg::new("dry-run")
                            .long("dry-run")
                            .require_equals(true)
                            .value_parser(["none", "client", "server"]),
                    ),
            )
            .subcommand(Command::new("version").about("Print the plugin version"))
            .subcommand(Command::new("hidden-thing").hide(true))
    }

    fn answer(cmd: Command, words: &[&str]) -> (Vec<String>, u32) {
        let words: Vec<OsString> = words.iter().map(OsString::from).collect();
        let mut out = Vec::new();
        complete_cobra(cmd, &words, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        let last = lines.pop().expect("a directive line");
        let bits = last
            .strip_prefix(':')
            .expect("directive starts with ':'")
            .parse()
            .unwrap();
        (lines, bits)
    }

    #[test]
    fn empty_word_lists_subcommands_with_descriptions() {
        let (lines, bits) = answer(sample(), &[""]);
        assert!(
            lines.contains(&"onboard\tCreate a Profile for a new user".to_string()),
            "{lines:?}"
        );
        assert!(
            lines.contains(&"version\tPrint the plugin version".to_string()),
            "{lines:?}"
        );
        assert!(
            !lines.iter().any(|l| l.starts_with("hidden-thing")),
            "{lines:?}"
        );
        assert_eq!(bits, directive::NO_FILE_COMP);
    }

    #[test]
    fn flags_wait_for_a_dash_when_there_is_anything_else() {
        let (lines, _) = answer(sample(), &[""]);
        assert!(!lines.iter().any(|l| l.starts_with('-')), "{lines:?}");
        let (lines, _) = answer(sample(), &["-"]);
        assert!(
            lines.iter().any(|l| l.starts_with("--context")),
            "{lines:?}"
        );
        // Nothing but flags to offer: show them rather than nothing.
        let (lines, _) = answer(sample(), &["version", ""]);
        assert!(
            lines.iter().any(|l| l.starts_with("--context")),
            "{lines:?}"
        );
    }

    #[test]
    fn no_words_at_all_is_a_new_first_word() {
        let (lines, _) = answer(sample(), &[]);
        assert!(lines.iter().any(|l| l.starts_with("onboard")), "{lines:?}");
    }

    #[test]
    fn prefix_filters_subcommands() {
        let (lines, _) = answer(sample(), &["on"]);
        assert_eq!(lines, ["onboard\tCreate a Profile for a new user"]);
    }

    #[test]
    fn flags_of_the_subcommand_complete() {
        let (lines, _) = answer(sample(), &["onboard", "--li"]);
        assert_eq!(lines, ["--limit-range"]);
        let (lines, _) = answer(sample(), &["onboard", "--con"]);
        assert!(
            lines.iter().any(|l| l.starts_with("--context")),
            "global flag: {lines:?}"
        );
    }

    #[test]
    fn enum_values_complete_after_equals() {
        let (lines, bits) = answer(sample(), &["onboard", "--dry-run=c"]);
        assert_eq!(lines, ["--dry-run=client"]);
        assert_eq!(bits, directive::NO_FILE_COMP);
    }

    #[test]
    fn nothing_to_offer_falls_back_to_the_shell_default() {
        let (lines, bits) = answer(sample(), &["onboard", "--kubeconfig", ""]);
        assert!(lines.is_empty(), "{lines:?}");
        assert_eq!(bits, directive::DEFAULT);
    }

    #[test]
    fn attached_candidates_complete_values_from_a_source() {
        let names = ArgValueCandidates::new(|| {
            vec![
                CompletionCandidate::new("alice-smith")
                    .help(Some("owner alice@example.com".into())),
                CompletionCandidate::new("team-ml"),
            ]
        });
        let cmd = attach_value_candidates(sample(), "profile", &names);
        let (lines, _) = answer(cmd.clone(), &["onboard", "--profile", ""]);
        assert_eq!(lines, ["alice-smith\towner alice@example.com", "team-ml"]);
        let (lines, _) = answer(cmd, &["onboard", "--profile", "te"]);
        assert_eq!(lines, ["team-ml"]);
    }

    #[test]
    fn attaching_to_an_unknown_id_changes_nothing() {
        let names = ArgValueCandidates::new(|| vec![CompletionCandidate::new("x")]);
        let cmd = attach_value_candidates(sample(), "no-such-arg", &names);
        assert_eq!(
            answer(cmd, &["onboard", "--profile", ""]).0,
            Vec::<String>::new()
        );
    }

    #[test]
    fn cluster_candidates_use_the_fetched_values() {
        let source = cluster_candidates(Duration::from_secs(5), || async {
            Ok::<_, std::io::Error>(vec![
                (
                    "alice-smith".to_string(),
                    Some("alice@example.com".to_string()),
                ),
                ("bob".to_string(), None),
            ])
        });
        let cmd = attach_value_candidates(sample(), "email", &source);
        let (lines, _) = answer(cmd, &["onboard", ""]);
        // The positional's values come first; the engine then offers the flags.
        assert_eq!(
            lines[..2],
            ["alice-smith\talice@example.com", "bob"],
            "{lines:?}"
        );
    }

    #[test]
    fn cluster_failures_and_timeouts_give_no_candidates() {
        let failing = cluster_candidates(Duration::from_secs(5), || async {
            Err::<Vec<(String, Option<String>)>, _>(std::io::Error::other("403 forbidden"))
        });
        assert!(failing.candidates().is_empty());
        let slow = cluster_candidates(Duration::from_millis(50), || async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Ok::<_, std::io::Error>(vec![("late".to_string(), None)])
        });
        let started = std::time::Instant::now();
        assert!(slow.candidates().is_empty());
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[tokio::test]
    async fn cluster_candidates_work_inside_a_runtime() {
        let source = cluster_candidates(Duration::from_secs(5), || async {
            Ok::<_, std::io::Error>(vec![("p".to_string(), None)])
        });
        assert_eq!(source.candidates().len(), 1);
    }

    #[test]
    fn flag_value_reads_earlier_words_only() {
        let words = |ws: &[&str]| ws.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(
            flag_value(
                &words(&["--context", "prod", "onboard", ""]),
                "context",
                None
            ),
            Some("prod".into())
        );
        assert_eq!(
            flag_value(&words(&["--context=dev", "x"]), "context", None),
            Some("dev".into())
        );
        assert_eq!(
            flag_value(&words(&["-n", "kf", ""]), "namespace", Some('n')),
            Some("kf".into())
        );
        assert_eq!(
            flag_value(&words(&["-nkf", ""]), "namespace", Some('n')),
            Some("kf".into())
        );
        assert_eq!(
            flag_value(
                &words(&["--context=a", "--context", "b", ""]),
                "context",
                None
            ),
            Some("b".into())
        );
        assert_eq!(
            flag_value(&words(&["--context"]), "context", None),
            None,
            "word under cursor"
        );
        assert_eq!(
            flag_value(&words(&["--", "--context", "x", ""]), "context", None),
            None
        );
    }
}
