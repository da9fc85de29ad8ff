//! Validates `plugin.yaml` (and the krew-release-bot template `.krew.yaml`) against every rule of
//! the project's krew checklist, printing one report line per rule.

use crate::krew_support::{Plugin, check_manifest, load, print_report, repo_root};

fn expected_version() -> String {
    format!("v{}", env!("CARGO_PKG_VERSION"))
}

fn plugin_yaml() -> (Plugin, String) {
    load(&repo_root().join("plugin.yaml"))
}

/// Names of the rules that fail for `plugin`.
fn failing_rules(plugin: &Plugin, raw: &str) -> Vec<String> {
    check_manifest(plugin, raw, &expected_version())
        .into_iter()
        .filter_map(|(name, outcome)| outcome.err().map(|_| name))
        .collect()
}

#[test]
fn plugin_yaml_passes_every_krew_checklist_rule() {
    let (plugin, raw) = plugin_yaml();
    let results = check_manifest(&plugin, &raw, &expected_version());
    let failed = print_report("plugin.yaml validation (krew checklist):", &results);
    assert!(
        results.len() >= 17,
        "the checklist lost rules: {}",
        results.len()
    );
    assert!(
        failed.is_empty(),
        "plugin.yaml breaks krew rules:\n{}",
        failed.join("\n")
    );
}

/// Renders the krew-release-bot template the way the bot does for a tag: `{{ .TagName }}` is the
/// tag, and `{{addURIAndSha "URL" .TagName }}` becomes `uri: URL` plus the archive's sha256
/// (here a fixed value, since no release is downloaded).
fn render_krew_template(template: &str, tag: &str, sha: &str) -> String {
    let mut out = String::new();
    for line in template.lines() {
        let trimmed = line.trim_start();
        if let Some(rest) = trimmed.strip_prefix("{{addURIAndSha \"") {
            let indent = &line[..line.len() - trimmed.len()];
            let (uri, tail) = rest.split_once('"').expect("closing quote of the uri");
            assert_eq!(
                tail.trim(),
                ".TagName }}",
                "unexpected addURIAndSha arguments: {line}"
            );
            out.push_str(&format!(
                "{indent}uri: {}\n",
                uri.replace("{{ .TagName }}", tag)
            ));
            out.push_str(&format!("{indent}sha256: \"{sha}\"\n"));
        } else {
            out.push_str(&line.replace("{{ .TagName }}", tag));
            out.push('\n');
        }
    }
    out
}

#[test]
fn krew_release_bot_template_renders_to_plugin_yaml() {
    let template = std::fs::read_to_string(repo_root().join(".krew.yaml")).unwrap();
    assert!(
        template.contains("{{ .TagName }}"),
        ".krew.yaml does not use .TagName"
    );
    let rendered = render_krew_template(&template, &expected_version(), &"0".repeat(64));
    let from_template: Plugin = serde_saphyr::from_str(&rendered).unwrap();
    let results = check_manifest(&from_template, &rendered, &expected_version());
    let failed = print_report(".krew.yaml rendered for the current version:", &results);
    assert!(
        failed.is_empty(),
        ".krew.yaml renders to a bad manifest:\n{}",
        failed.join("\n")
    );

    // Same manifest as plugin.yaml apart from the checksums the bot computes.
    let (mut plugin, _) = plugin_yaml();
    for p in &mut plugin.spec.platforms {
        p.sha256 = "0".repeat(64);
    }
    assert_eq!(from_template, plugin, ".krew.yaml and plugin.yaml disagree");
}

/// A change that breaks one checklist rule.
type Mutation = Box<dyn Fn(&mut Plugin)>;

#[test]
fn checker_rejects_broken_manifests() {
    let (good, raw) = plugin_yaml();
    assert!(failing_rules(&good, &raw).is_empty());

    let cases: Vec<(&str, Mutation)> = vec![
        (
            "apiVersion",
            Box::new(|p| p.api_version = "krew.googlecontainertools.github.com/v1alpha1".into()),
        ),
        (
            "^[\\w-]+$",
            Box::new(|p| p.metadata.name = "kube flow".into()),
        ),
        ("built-in", Box::new(|p| p.metadata.name = "get".into())),
        (
            "Windows reserved",
            Box::new(|p| p.metadata.name = "com1".into()),
        ),
        ("spec.version", Box::new(|p| p.spec.version = "v0.1".into())),
        (
            "spec.version",
            Box::new(|p| p.spec.version = "v9.9.9".into()),
        ),
        (
            "shortDescription",
            Box::new(|p| p.spec.short_description = Some("two\nlines".into())),
        ),
        ("spec.description", Box::new(|p| p.spec.description = None)),
        (
            "six platforms",
            Box::new(|p| {
                p.spec.platforms.pop();
            }),
        ),
        (
            "only os and arch",
            Box::new(|p| {
                p.spec.platforms[0]
                    .selector
                    .match_labels
                    .insert("distro".into(), "debian".into());
            }),
        ),
        (
            "krew supports",
            Box::new(|p| {
                p.spec.platforms[0]
                    .selector
                    .match_labels
                    .insert("arch".into(), "386".into());
            }),
        ),
        (
            "do not overlap",
            Box::new(|p| {
                let first = p.spec.platforms[0].clone();
                p.spec.platforms[1] = first;
            }),
        ),
        (
            "uri",
            Box::new(|p| {
                p.spec.platforms[0].uri = p.spec.platforms[0].uri.replace("https:", "http:")
            }),
        ),
        (
            "uri",
            Box::new(|p| {
                let w = p
                    .spec
                    .platforms
                    .iter_mut()
                    .find(|x| x.os_arch().0 == "windows")
                    .unwrap();
                w.uri = w.uri.replace(".zip", ".tar.gz");
            }),
        ),
        (
            "sha256",
            Box::new(|p| p.spec.platforms[0].sha256 = "A".repeat(64)),
        ),
        (
            "sha256",
            Box::new(|p| p.spec.platforms[0].sha256 = "0".repeat(63)),
        ),
        (
            "bin",
            Box::new(|p| {
                let w = p
                    .spec
                    .platforms
                    .iter_mut()
                    .find(|x| x.os_arch().0 == "windows")
                    .unwrap();
                w.bin = "kubectl-kubeflow".into();
            }),
        ),
        (
            "LICENSE",
            Box::new(|p| {
                if let Some(f) = p.spec.platforms[0].files.as_mut() {
                    f.retain(|f| f.from != "LICENSE")
                }
            }),
        ),
        (
            "files is non-empty",
            Box::new(|p| p.spec.platforms[0].files = Some(Vec::new())),
        ),
        (
            "matches bin",
            Box::new(|p| {
                if let Some(f) = p.spec.platforms[0].files.as_mut() {
                    f[0].from = "bin/other".into()
                }
            }),
        ),
    ];
    for (rule_fragment, mutate) in cases {
        let mut bad = good.clone();
        mutate(&mut bad);
        let failing = failing_rules(&bad, &raw);
        assert!(
            failing.iter().any(|r| r.contains(rule_fragment)),
            "mutation for {rule_fragment:?} was not caught; failing rules: {failing:?}"
        );
    }
}

#[test]
fn unquoted_version_is_rejected() {
    let (plugin, raw) = plugin_yaml();
    let unquoted = raw.replace(
        &format!("version: \"{}\"", plugin.spec.version),
        &format!("version: {}", plugin.spec.version),
    );
    let reparsed: Plugin = serde_saphyr::from_str(&unquoted).unwrap();
    assert!(
        failing_rules(&reparsed, &unquoted)
            .iter()
            .any(|r| r.contains("quoted"))
    );
}

#[test]
fn misspelt_fields_fail_to_parse() {
    let (_, raw) = plugin_yaml();
    let misspelt = raw.replace("shortDescription:", "shortDesc:");
    assert!(serde_saphyr::from_str::<Plugin>(&misspelt).is_err());
}
