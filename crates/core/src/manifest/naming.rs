//! Object naming rules shared by every builder, and detection of names that collide.
//!
//! KFAM names contributor objects with `getBindingName`: it builds
//! `User-<email>-ClusterRole-<role>`, replaces every run of characters outside `[a-zA-Z0-9]`
//! with `-` and lower-cases the result. That mapping is lossy (`a.b@x`, `a-b@x` and `A.B@x`
//! all give the same name), so callers must check [`detect_collisions`] before creating.

use std::collections::BTreeMap;

use crate::model::{Role, Subject};

/// Longest object name Kubernetes accepts for RBAC objects and AuthorizationPolicies.
pub const MAX_NAME_LEN: usize = 253;

/// Replaces every run of characters outside `[a-zA-Z0-9]` with one `-`, then lower-cases:
/// the escaping of KFAM's `getBindingName`.
pub fn kfam_escape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut in_run = false;
    for c in raw.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
            in_run = false;
        } else if !in_run {
            out.push('-');
            in_run = true;
        }
    }
    out
}

/// The name KFAM gives the RoleBinding and AuthorizationPolicy of a contributor:
/// `user-<escaped email>-clusterrole-<role>`. `user` is used verbatim (not validated) so
/// existing objects can be matched.
pub fn kfam_binding_name(user: &str, role: Role) -> String {
    kfam_escape(&format!("User-{user}-ClusterRole-{}", role.short_name()))
}

/// The name this tool gives a group's contributor pair: `group-<escaped group>-clusterrole-<role>`
/// (KFAM has no group support, so this only has to be deterministic and distinct from users).
pub fn group_binding_name(group: &str, role: Role) -> String {
    kfam_escape(&format!("Group-{group}-ClusterRole-{}", role.short_name()))
}

/// The contributor-pair name for any subject (see [`kfam_binding_name`], [`group_binding_name`]).
pub fn contributor_name(subject: &Subject, role: Role) -> String {
    match subject {
        Subject::User(email) => kfam_binding_name(email.as_str(), role),
        Subject::Group(group) => group_binding_name(group.as_str(), role),
    }
}

/// Deterministic ClusterRoleBinding name `kubeflow-<role>-<escaped kind-name>`, e.g.
/// `kubeflow-edit-user-alice-x-io`. Names longer than 253 characters are cut and end in `-`
/// plus a 10-hex-digit FNV-1a hash of the raw subject, so they stay unique and stable.
pub fn cluster_role_binding_name(subject: &Subject, role: Role) -> String {
    let readable = format!(
        "kubeflow-{}-{}",
        role.short_name(),
        kfam_escape(&format!("{}-{}", subject.kind(), subject.name()))
    );
    let readable = readable.trim_end_matches('-').to_owned();
    if readable.len() <= MAX_NAME_LEN {
        return readable;
    }
    let hash = fnv1a64(format!("{}:{}", subject.kind(), subject.name()).as_bytes());
    let suffix = format!("-{:010x}", hash & 0xff_ffff_ffff);
    let keep = MAX_NAME_LEN - suffix.len();
    format!("{}{suffix}", readable[..keep].trim_end_matches('-'))
}

/// FNV-1a, 64 bit: a tiny hash whose output never changes between Rust versions.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Distinct raw names that escape to the same object name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collision {
    /// The shared escaped form (e.g. `user-a-b-x-io` for users).
    pub escaped: String,
    /// The distinct raw names, sorted.
    pub names: Vec<String>,
}

impl std::fmt::Display for Collision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} all map to the object name stem {:?}; Kubeflow (KFAM) cannot tell them apart",
            self.names.join(", "),
            self.escaped
        )
    }
}

/// The part of a user's KFAM binding name before `-clusterrole-<role>`: two users with the
/// same stem get the same object names. A trailing `-` is dropped, because the `-` that
/// follows the user in `User-<user>-ClusterRole-…` joins it (`alice.` and `alice` share
/// `user-alice-clusterrole-edit`).
pub fn kfam_user_stem(user: &str) -> String {
    let escaped = kfam_escape(&format!("User-{user}"));
    match escaped.strip_suffix('-') {
        Some(stem) => stem.to_owned(),
        None => escaped,
    }
}

/// Finds distinct users whose KFAM binding names would be identical (for every role, since
/// the role is appended the same way), e.g. `a.b@x`, `a-b@x` and `A.B@x`.
pub fn detect_collisions(users: &[&str]) -> Vec<Collision> {
    group_collisions(users.iter().map(|u| (kfam_user_stem(u), *u)))
}

/// Like [`detect_collisions`] for ClusterRoleBinding names of arbitrary subjects (whose
/// trailing `-` is cut as in [`cluster_role_binding_name`]).
pub fn detect_subject_collisions(subjects: &[Subject]) -> Vec<Collision> {
    group_collisions(subjects.iter().map(|s| {
        let escaped = kfam_escape(&format!("{}-{}", s.kind(), s.name()));
        (escaped.trim_end_matches('-').to_owned(), s.name())
    }))
}

fn group_collisions<'a>(pairs: impl Iterator<Item = (String, &'a str)>) -> Vec<Collision> {
    let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (escaped, raw) in pairs {
        let names = by_name.entry(escaped).or_default();
        if !names.iter().any(|n| n == raw) {
            names.push(raw.to_owned());
        }
    }
    by_name
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(escaped, mut names)| {
            names.sort();
            Collision { escaped, names }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::model::{Email, GroupName};
    use proptest::prelude::*;

    #[test]
    fn matches_upstream_kfam_examples() {
        assert_eq!(
            kfam_binding_name("lalith.vaka@zq.msds.kp.org", Role::Edit),
            "user-lalith-vaka-zq-msds-kp-org-clusterrole-edit"
        );
        assert_eq!(
            kfam_binding_name("397401@zq.msds.kp.org", Role::Edit),
            "user-397401-zq-msds-kp-org-clusterrole-edit"
        );
        assert_eq!(
            kfam_binding_name("user@example.com", Role::View),
            "user-user-example-com-clusterrole-view"
        );
        assert_eq!(
            kfam_binding_name(".a__b+c@X.io", Role::Admin),
            "user-a-b-c-x-io-clusterrole-admin"
        );
    }

    #[test]
    fn collisions_are_reported_not_merged() {
        let found = detect_collisions(&["a.b@x.io", "a-b@x.io", "A.B@x.io", "c@x.io", "a.b@x.io"]);
        assert_eq!(
            found,
            vec![Collision {
                escaped: "user-a-b-x-io".into(),
                names: vec!["A.B@x.io".into(), "a-b@x.io".into(), "a.b@x.io".into()],
            }]
        );
        assert!(found[0].to_string().contains("cannot tell them apart"));
        assert!(detect_collisions(&["a@x.io", "b@x.io"]).is_empty());
    }

    /// Found by fuzzing: a user ending in a non-alphanumeric character shares its binding
    /// name with the user without it (the `-` before `ClusterRole` joins the run), so the
    /// collision check must compare the stems without their trailing `-`.
    #[test]
    fn trailing_separator_collisions_are_reported() {
        assert_eq!(
            kfam_binding_name("alice.", Role::Edit),
            kfam_binding_name("alice", Role::Edit)
        );
        let found = detect_collisions(&["alice.", "alice"]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].escaped, "user-alice");
        let (a, b) = (
            Subject::Group(GroupName::parse("ops.").unwrap()),
            Subject::Group(GroupName::parse("ops").unwrap()),
        );
        assert_eq!(
            cluster_role_binding_name(&a, Role::View),
            cluster_role_binding_name(&b, Role::View)
        );
        assert_eq!(detect_subject_collisions(&[a, b]).len(), 1);
    }

    #[test]
    fn cluster_role_binding_names() {
        let user = Subject::User(Email::parse("Alice.Smith@x.io").unwrap());
        assert_eq!(
            cluster_role_binding_name(&user, Role::Edit),
            "kubeflow-edit-user-alice-smith-x-io"
        );
        let group = Subject::Group(GroupName::parse("ml-team").unwrap());
        assert_eq!(
            cluster_role_binding_name(&group, Role::View),
            "kubeflow-view-group-ml-team"
        );
        let long = Subject::Group(GroupName::parse(&"g".repeat(250)).unwrap());
        let long2 = Subject::Group(GroupName::parse(&format!("{}.", "g".repeat(250))).unwrap());
        let (a, b) = (
            cluster_role_binding_name(&long, Role::Edit),
            cluster_role_binding_name(&long2, Role::Edit),
        );
        assert_eq!(a.len(), MAX_NAME_LEN);
        assert_ne!(a, b, "hash suffix keeps long names distinct");
        assert_eq!(a, cluster_role_binding_name(&long, Role::Edit), "stable");
        let clash = detect_subject_collisions(&[
            Subject::User(Email::parse("a.b@x.io").unwrap()),
            Subject::User(Email::parse("a_b@x.io").unwrap()),
            Subject::Group(GroupName::parse("a.b@x.io").unwrap()),
        ]);
        assert_eq!(clash.len(), 1);
        assert_eq!(clash[0].names.len(), 2);
    }

    #[test]
    fn fnv_is_the_reference_function() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    proptest! {
        #[test]
        fn escaped_names_are_dns_friendly(user in "\\PC{1,40}", role in prop::sample::select(Role::ALL.to_vec())) {
            let name = kfam_binding_name(&user, role);
            prop_assert!(name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            prop_assert!(!name.contains("--"));
            prop_assert!(name.starts_with("user-"));
            let suffix = format!("-clusterrole-{}", role.short_name());
            prop_assert!(name.ends_with(&suffix));
        }

        #[test]
        fn same_escape_means_reported(a in "[a-zA-Z0-9._+-]{1,8}", b in "[a-zA-Z0-9._+-]{1,8}") {
            let (ua, ub) = (format!("{a}@x.io"), format!("{b}@x.io"));
            let same = kfam_binding_name(&ua, Role::Edit) == kfam_binding_name(&ub, Role::Edit);
            let reported = !detect_collisions(&[&ua, &ub]).is_empty();
            prop_assert_eq!(reported, same && ua != ub);
        }
    }
}
