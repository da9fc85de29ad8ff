//! `access`: the users x profiles matrix (O owner, A admin, E edit, V view).

use super::*;

/// Flags of `access`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    # Who can reach what: O owner, A admin, E edit, V view\n  \
    kubectl kubeflow access\n\n  \
    kubectl kubeflow access -o json")]
pub struct AccessArgs {
    /// Output format (default: matrix).
    #[arg(short = 'o', long = "output", value_enum)]
    pub output: Option<DocOutput>,
}

/// `kubectl kubeflow access`.
pub async fn access(global: &GlobalArgs, args: AccessArgs) -> CliResult {
    let tenancy = load(global, Reads::USERS).await?;
    let m = tenancy.access_matrix();
    match args.output.map(ListOutput::from) {
        Some(f) => {
            let rows = m.users.iter().enumerate().map(|(ui, u)| {
                let cells: BTreeMap<&str, AccessLevel> = m
                    .row(ui)
                    .iter()
                    .map(|(pi, c)| (m.profiles[*pi].as_str(), *c))
                    .collect();
                json!({"user": u, "access": cells})
            });
            print_with_list(
                json!({"kind": "AccessMatrix", "profiles": m.profiles}),
                "users",
                rows,
                f,
            )
        }
        None => {
            let mut headers: Vec<&str> = vec!["USER"];
            headers.extend(m.profiles.iter().map(String::as_str));
            let rows: Vec<Vec<String>> = m
                .users
                .iter()
                .enumerate()
                .map(|(ui, u)| {
                    let mut r = vec![u.clone()];
                    r.extend((0..m.profiles.len()).map(|pi| {
                        m.cell(ui, pi)
                            .map_or(".".to_string(), |c| c.letter().to_string())
                    }));
                    r
                })
                .collect();
            out!("{}", render(&headers, &rows));
            outln!(
                "\nO owner   A kubeflow-admin   E kubeflow-edit   V kubeflow-view   . none (cluster-wide roles: see `users`)"
            );
            Ok(())
        }
    }
}
