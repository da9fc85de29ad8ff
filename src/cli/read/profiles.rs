//! `profiles`: every profile with owner, contributors, quota use and health.

use super::*;

/// Flags of `profiles`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Every profile with owner, contributors, quota use and health\n  \
    kubectl kubeflow profiles\n\n  \
    # Busiest first, with LimitRange and namespace columns\n  \
    kubectl kubeflow profiles --sort-by cpu -o wide\n\n  \
    # Only profiles with a label, as JSON\n  \
    kubectl kubeflow profiles -l team=vision -o json")]
pub struct ProfilesArgs {
    /// Output format (default: table).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<ListOutput>,
    /// Label selector on Profiles, kube syntax (`k=v`, `k!=v`, `k in (a,b)`, `k notin (a)`, `k`, `!k`).
    #[arg(short = 'l', long = "selector")]
    pub selector: Option<String>,
    /// Sort column.
    #[arg(long, value_enum, default_value = "name")]
    pub sort_by: ProfileSort,
}

/// Sort keys of `profiles`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProfileSort {
    /// Profile name.
    Name,
    /// Owner email.
    Owner,
    /// Number of contributors (most first).
    Contributors,
    /// CPU use in percent of the quota (highest first).
    Cpu,
    /// Memory use in percent (highest first).
    Memory,
    /// Findings (worst first).
    Health,
    /// Oldest first.
    Age,
}

fn percent(q: Option<&QuotaLine>) -> i64 {
    q.and_then(QuotaLine::percent).map(i64::from).unwrap_or(-1)
}

/// Parses `-l` with kube's label-selector grammar; a malformed selector is a usage error.
fn parse_selector(selector: &str) -> Result<LabelSelector, CliError> {
    LabelSelector::parse(selector).map_err(|e| {
        CliError::Usage(anyhow::anyhow!(
            "label selector {selector:?} does not parse: {e}; write e.g. -l team=ml, -l 'tier in (gold,silver)', -l 'team!=ml', -l owner or -l '!archived'"
        ))
    })
}

/// `kubectl kubeflow profiles`.
pub async fn profiles(global: &GlobalArgs, args: ProfilesArgs) -> CliResult {
    let tenancy = load(global, Reads::PROFILES).await?;
    let selector = args.selector.as_deref().map(parse_selector).transpose()?;
    let mut rows: Vec<&ProfileRow> = tenancy
        .profiles()
        .iter()
        .filter(|p| {
            selector
                .as_ref()
                .is_none_or(|s| s.matches_labels(|k| p.labels.get(k).map(String::as_str)))
        })
        .map(|p| &**p)
        .collect();
    sort(&mut rows, args.sort_by);
    let now = now();
    match args.output {
        Some(ListOutput::Name) => {
            for p in rows {
                outln!("profile.kubeflow.org/{}", p.name);
            }
        }
        Some(f @ (ListOutput::Json | ListOutput::Yaml)) => {
            let items = rows.iter().map(|p| ProfileOut {
                row: p,
                age: age(p.created, now),
            });
            print_list("ProfileSummaryList", "items", items, f)?;
        }
        wide => {
            let wide = wide == Some(ListOutput::Wide);
            let mut headers = vec![
                "NAME",
                "OWNER",
                "CONTRIBUTORS",
                "CPU",
                "MEMORY",
                "GPU",
                "HEALTH",
                "AGE",
            ];
            if wide {
                headers.extend(["LIMITRANGE", "NAMESPACE", "POLICIES"]);
            }
            let table: Vec<Vec<String>> = rows
                .iter()
                .map(|p| {
                    let mut r = p.summary_cells(now);
                    if wide {
                        r.extend(wide_cells(p, tenancy.istio()));
                    }
                    r
                })
                .collect();
            if table.is_empty() {
                errln!("No profiles found.");
            } else {
                out!("{}", render(&headers, &table));
            }
        }
    }
    Ok(())
}

/// `--sort-by`: the name order the model keeps, or the column asked for (fullest first).
fn sort(rows: &mut [&ProfileRow], by: ProfileSort) {
    match by {
        ProfileSort::Name => {}
        ProfileSort::Owner => rows.sort_by(|a, b| a.owner.cmp(&b.owner)),
        ProfileSort::Contributors => rows.sort_by_key(|p| std::cmp::Reverse(p.contributors.len())),
        ProfileSort::Cpu => rows.sort_by_key(|p| std::cmp::Reverse(percent(p.quota_for("cpu")))),
        ProfileSort::Memory => {
            rows.sort_by_key(|p| std::cmp::Reverse(percent(p.quota_for("memory"))))
        }
        ProfileSort::Health => {
            rows.sort_by_key(|p| std::cmp::Reverse((p.health.errors, p.health.warnings)))
        }
        ProfileSort::Age => rows.sort_by_key(|p| p.created),
    }
}

/// `-o wide`'s extra cells: LIMITRANGE, NAMESPACE, POLICIES (contributors with one).
fn wide_cells(p: &ProfileRow, istio: bool) -> [String; 3] {
    let with = p
        .contributors
        .iter()
        .filter(|c| c.authorization_policy.is_some())
        .count();
    [
        if p.limit_range { "yes" } else { "no" }.into(),
        if p.namespace_exists {
            "present"
        } else {
            "missing"
        }
        .into(),
        if istio {
            format!("{with}/{}", p.contributors.len())
        } else {
            "n/a".into()
        },
    ]
}

#[derive(Serialize)]
struct ProfileOut<'a> {
    #[serde(flatten)]
    row: &'a ProfileRow,
    age: String,
}
