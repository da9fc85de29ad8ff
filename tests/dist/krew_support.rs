//! The krew plugin manifest as typed structs, and the checklist every manifest of this project
//! must pass (rules from krew's `internal/index/validation` and its developer guide, as listed in
//! the project's krew checklist). Shared by `tests/dist/krew_manifest.rs` and `tests/dist/package.rs`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `krew.googlecontainertools.github.com/v1alpha2` `Plugin`. Unknown fields are rejected, so a
/// misspelt key (`shortDesc`, `matchLabel`) fails the parse instead of being ignored.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Plugin {
    pub api_version: String,
    pub kind: String,
    pub metadata: Metadata,
    pub spec: Spec,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metadata {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Spec {
    pub version: String,
    pub homepage: Option<String>,
    pub short_description: Option<String>,
    pub description: Option<String>,
    pub caveats: Option<String>,
    pub platforms: Vec<Platform>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub selector: Selector,
    pub uri: String,
    pub sha256: String,
    pub bin: String,
    pub files: Option<Vec<FileOperation>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    pub match_expressions: Option<Vec<serde_json::Value>>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileOperation {
    pub from: String,
    pub to: String,
}

impl Platform {
    /// `(os, arch)` from the selector, empty strings when absent.
    pub fn os_arch(&self) -> (String, String) {
        let get = |k: &str| {
            self.selector
                .match_labels
                .get(k)
                .cloned()
                .unwrap_or_default()
        };
        (get("os"), get("arch"))
    }
}

/// The repository root (where Cargo.toml is).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Parses a manifest file.
pub fn load(path: &Path) -> (Plugin, String) {
    let raw = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {path:?}: {e}"));
    let plugin: Plugin =
        serde_saphyr::from_str(&raw).unwrap_or_else(|e| panic!("parsing {path:?}: {e}"));
    (plugin, raw)
}

/// The name the plugin is published under in krew-index (`plugins/<name>.yaml`).
pub const PLUGIN_NAME: &str = "kubeflow";
/// The project's GitHub home; release archives live under it.
pub const HOMEPAGE: &str = "https://github.com/kubectl-kubeflow/kubectl-kubeflow";
/// krew's supported values for the `os` and `arch` labels this project ships for.
pub const OSES: [&str; 3] = ["linux", "darwin", "windows"];
pub const ARCHES: [&str; 2] = ["amd64", "arm64"];

/// kubectl's built-in commands: a plugin with one of these names is never called.
const KUBECTL_BUILTINS: &[&str] = &[
    "alpha",
    "annotate",
    "api-resources",
    "api-versions",
    "apply",
    "attach",
    "auth",
    "autoscale",
    "certificate",
    "cluster-info",
    "completion",
    "config",
    "convert",
    "cordon",
    "cp",
    "create",
    "debug",
    "delete",
    "describe",
    "diff",
    "drain",
    "edit",
    "events",
    "exec",
    "explain",
    "expose",
    "get",
    "help",
    "kustomize",
    "label",
    "logs",
    "options",
    "patch",
    "plugin",
    "port-forward",
    "proxy",
    "replace",
    "rollout",
    "run",
    "scale",
    "set",
    "taint",
    "top",
    "uncordon",
    "version",
    "wait",
];

/// Names Windows cannot use for a file (krew rejects them as plugin names).
fn is_windows_reserved(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let fixed = ["CON", "PRN", "AUX", "NUL"];
    let numbered = ["COM", "LPT"];
    fixed.contains(&upper.as_str())
        || numbered.iter().any(|p| {
            upper.len() == 4 && upper.starts_with(p) && matches!(upper.as_bytes()[3], b'1'..=b'9')
        })
}

/// Semantic version (MAJOR.MINOR.PATCH, optional -pre and +build) with the `v` prefix krew needs.
fn is_v_semver(v: &str) -> bool {
    let Some(rest) = v.strip_prefix('v') else {
        return false;
    };
    let (core, _build) = rest.split_once('+').unwrap_or((rest, ""));
    let (core, pre) = core
        .split_once('-')
        .map_or((core, None), |(c, p)| (c, Some(p)));
    let numeric = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let parts: Vec<&str> = core.split('.').collect();
    let pre_ok = pre.is_none_or(|p| {
        p.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    });
    parts.len() == 3 && parts.iter().all(|p| numeric(p)) && pre_ok
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The archive name the release pipeline publishes for a platform.
pub fn archive_name(version: &str, os: &str, arch: &str) -> String {
    let ext = if os == "windows" { "zip" } else { "tar.gz" };
    format!("kubectl-kubeflow_{version}_{os}_{arch}.{ext}")
}

/// One checklist rule and its outcome (`Err` says what is wrong).
pub type RuleResult = (String, Result<(), String>);

fn rule(name: &str, failures: Vec<String>) -> RuleResult {
    let outcome = if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; "))
    };
    (name.to_string(), outcome)
}

fn check_if(cond: bool, msg: impl Into<String>) -> Vec<String> {
    if cond { Vec::new() } else { vec![msg.into()] }
}

/// Checks `plugin` (whose source text is `raw`) against every rule of the krew checklist and
/// returns one result per rule, in checklist order. `expected_version` is `v` + the crate version.
pub fn check_manifest(plugin: &Plugin, raw: &str, expected_version: &str) -> Vec<RuleResult> {
    let spec = &plugin.spec;
    let name = plugin.metadata.name.as_str();
    let mut out = Vec::new();

    out.push(rule(
        "apiVersion is krew.googlecontainertools.github.com/v1alpha2 and kind is Plugin",
        [
            check_if(
                plugin.api_version == "krew.googlecontainertools.github.com/v1alpha2",
                format!("apiVersion is {:?}", plugin.api_version),
            ),
            check_if(
                plugin.kind == "Plugin",
                format!("kind is {:?}", plugin.kind),
            ),
        ]
        .concat(),
    ));
    out.push(rule(
        "metadata.name matches ^[\\w-]+$, is lowercase kebab-case and is the krew-index file name",
        [
            check_if(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'),
                format!("name {name:?} does not match ^[\\w-]+$"),
            ),
            check_if(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !name.starts_with('-')
                    && !name.ends_with('-'),
                format!("name {name:?} is not lowercase kebab-case"),
            ),
            check_if(
                name == PLUGIN_NAME,
                format!("name {name:?} is not plugins/{PLUGIN_NAME}.yaml"),
            ),
        ]
        .concat(),
    ));
    out.push(rule(
        "metadata.name does not shadow a kubectl built-in command",
        check_if(
            !KUBECTL_BUILTINS.contains(&name),
            format!("{name:?} is a kubectl command"),
        ),
    ));
    out.push(rule(
        "metadata.name is not a Windows reserved name",
        check_if(
            !is_windows_reserved(name),
            format!("{name:?} is reserved on Windows"),
        ),
    ));
    let quoted = format!("version: \"{}\"", spec.version);
    out.push(rule(
        "spec.version is quoted semver with a v prefix and equals v + Cargo.toml version",
        [
            check_if(
                is_v_semver(&spec.version),
                format!("{:?} is not vMAJOR.MINOR.PATCH", spec.version),
            ),
            check_if(
                spec.version == expected_version,
                format!(
                    "{:?} differs from Cargo.toml's {expected_version:?}",
                    spec.version
                ),
            ),
            check_if(
                raw.contains(&quoted),
                "spec.version is not written as a quoted string",
            ),
        ]
        .concat(),
    ));
    let homepage = spec.homepage.as_deref().unwrap_or("");
    out.push(rule(
        "spec.homepage is the project's https URL",
        check_if(homepage == HOMEPAGE, format!("homepage is {homepage:?}")),
    ));
    let short = spec.short_description.as_deref().unwrap_or("");
    out.push(rule(
        "spec.shortDescription is set, a few words, one line",
        [
            check_if(!short.trim().is_empty(), "shortDescription is empty"),
            check_if(!short.contains('\n'), "shortDescription has a line break"),
            check_if(
                short.len() <= 60,
                format!("shortDescription is {} characters", short.len()),
            ),
        ]
        .concat(),
    ));
    let description = spec.description.as_deref().unwrap_or("");
    out.push(rule(
        "spec.description says what the plugin does (prose, not a flag list)",
        [
            check_if(
                description.split_whitespace().count() >= 20,
                "description has under 20 words",
            ),
            check_if(
                !description
                    .lines()
                    .any(|l| l.trim_start().starts_with("--")),
                "description lists flags",
            ),
        ]
        .concat(),
    ));
    let caveats = spec.caveats.as_deref();
    out.push(rule(
        "spec.caveats, when present, names real extra steps (Kubeflow version, permissions, completion helper)",
        caveats.map_or(Vec::new(), |c| {
            [
                check_if(c.contains("Kubeflow 1.7"), "caveats do not state the Kubeflow version"),
                check_if(c.contains("kubectl_complete-kubeflow"), "caveats do not name the completion helper"),
                check_if(c.contains("authorizationpolicies"), "caveats do not state the permissions"),
            ]
            .concat()
        }),
    ));

    let platforms = &spec.platforms;
    out.push(rule(
        "six platforms: linux, darwin, windows x amd64, arm64",
        check_if(
            platforms.len() == 6,
            format!("{} platforms", platforms.len()),
        ),
    ));
    out.push(rule(
        "selectors use matchLabels with only os and arch keys",
        platforms
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                let keys: BTreeSet<&str> =
                    p.selector.match_labels.keys().map(String::as_str).collect();
                let ok = keys == BTreeSet::from(["arch", "os"])
                    && p.selector.match_expressions.is_none();
                (!ok).then(|| format!("platform {i} selector keys {keys:?}"))
            })
            .collect(),
    ));
    out.push(rule(
        "os and arch values are ones krew supports",
        platforms
            .iter()
            .filter_map(|p| {
                let (os, arch) = p.os_arch();
                (!OSES.contains(&os.as_str()) || !ARCHES.contains(&arch.as_str()))
                    .then(|| format!("unsupported {os}/{arch}"))
            })
            .collect(),
    ));
    let mut seen = BTreeSet::new();
    let overlaps: Vec<String> = platforms
        .iter()
        .filter(|p| !seen.insert(p.os_arch()))
        .map(|p| format!("{:?} appears twice", p.os_arch()))
        .collect();
    let missing: Vec<String> = OSES
        .iter()
        .flat_map(|os| {
            ARCHES
                .iter()
                .map(move |arch| (os.to_string(), arch.to_string()))
        })
        .filter(|pair| !seen.contains(pair))
        .map(|pair| format!("no platform for {pair:?}"))
        .collect();
    out.push(rule(
        "selectors do not overlap and cover all six",
        [overlaps, missing].concat(),
    ));
    out.push(rule(
        "uri is https, .zip on windows and .tar.gz elsewhere, the release archive of this version",
        platforms
            .iter()
            .flat_map(|p| {
                let (os, arch) = p.os_arch();
                let expected = format!(
                    "{HOMEPAGE}/releases/download/{}/{}",
                    spec.version,
                    archive_name(&spec.version, &os, &arch)
                );
                let scheme = url::Url::parse(&p.uri).map(|u| u.scheme().to_string());
                [
                    check_if(
                        scheme.as_deref() == Ok("https"),
                        format!("{} is not https", p.uri),
                    ),
                    check_if(
                        p.uri == expected,
                        format!("{os}/{arch} uri {} is not {expected}", p.uri),
                    ),
                ]
                .concat()
            })
            .collect(),
    ));
    out.push(rule(
        "sha256 is 64 lowercase hex characters",
        platforms
            .iter()
            .filter(|p| !is_sha256_hex(&p.sha256))
            .map(|p| format!("{:?}: {:?}", p.os_arch(), p.sha256))
            .collect(),
    ));
    out.push(rule(
        "bin is kubectl-kubeflow (kubectl-kubeflow.exe on windows)",
        platforms
            .iter()
            .filter_map(|p| {
                let (os, _) = p.os_arch();
                let want = if os == "windows" {
                    "kubectl-kubeflow.exe"
                } else {
                    "kubectl-kubeflow"
                };
                (p.bin != want).then(|| format!("{os}: bin {:?}, want {want:?}", p.bin))
            })
            .collect(),
    ));
    out.push(rule(
        "files is non-empty, each with from and to, and extracts LICENSE",
        platforms
            .iter()
            .flat_map(|p| {
                let files = p.files.as_deref().unwrap_or(&[]);
                [
                    check_if(
                        !files.is_empty(),
                        format!("{:?}: files is empty or missing", p.os_arch()),
                    ),
                    check_if(
                        files.iter().all(|f| !f.from.is_empty() && !f.to.is_empty()),
                        format!("{:?}: a file has an empty from or to", p.os_arch()),
                    ),
                    check_if(
                        files.iter().any(|f| f.from == "LICENSE"),
                        format!("{:?}: LICENSE is not extracted", p.os_arch()),
                    ),
                ]
                .concat()
            })
            .collect(),
    ));
    out.push(rule(
        "the binary's files entry matches bin",
        platforms
            .iter()
            .filter_map(|p| {
                let files = p.files.as_deref().unwrap_or(&[]);
                let lands_at_bin = files.iter().any(|f| {
                    let base = f.from.rsplit('/').next().unwrap_or(&f.from);
                    base == p.bin && (f.to == "." || f.to == p.bin)
                });
                (!lands_at_bin).then(|| {
                    format!(
                        "{:?}: no files entry puts {} at the root",
                        p.os_arch(),
                        p.bin
                    )
                })
            })
            .collect(),
    ));
    out
}

/// Prints one report line per rule and returns the failed ones.
pub fn print_report(title: &str, results: &[RuleResult]) -> Vec<String> {
    println!("{title}");
    let mut failed = Vec::new();
    for (name, outcome) in results {
        match outcome {
            Ok(()) => println!("  ok    {name}"),
            Err(why) => {
                println!("  FAIL  {name}: {why}");
                failed.push(format!("{name}: {why}"));
            }
        }
    }
    println!("  {} rules, {} failed", results.len(), failed.len());
    failed
}
