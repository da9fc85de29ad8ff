//! Kubeflow roles and their three vocabularies (ClusterRole, KFAM short name, dashboard term).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A Kubeflow access level. `Admin` ⊇ `Edit` ⊇ `View` through ClusterRole aggregation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// `kubeflow-admin`: what a Profile owner gets.
    Admin,
    /// `kubeflow-edit`: a dashboard "contributor".
    Edit,
    /// `kubeflow-view`: a read-only "viewer".
    View,
}

/// A string that names no Kubeflow role.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role {input:?}: use admin, edit or view (or the ClusterRole names kubeflow-admin, \
     kubeflow-edit, kubeflow-view)"
)]
pub struct RoleError {
    /// The rejected input.
    pub input: String,
}

impl Role {
    /// Every role, strongest first.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Edit, Role::View];

    /// The short name KFAM puts in the `role` annotation and in binding names.
    pub fn short_name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Edit => "edit",
            Role::View => "view",
        }
    }

    /// The aggregated ClusterRole this role binds to.
    pub fn cluster_role(self) -> &'static str {
        match self {
            Role::Admin => "kubeflow-admin",
            Role::Edit => "kubeflow-edit",
            Role::View => "kubeflow-view",
        }
    }

    /// What the central dashboard calls someone with this role.
    pub fn dashboard_term(self) -> &'static str {
        match self {
            Role::Admin => "owner",
            Role::Edit => "contributor",
            Role::View => "viewer",
        }
    }

    /// Maps a ClusterRole name back to a role (`kubeflow-edit` -> `Edit`); `None` for others.
    pub fn from_cluster_role(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.cluster_role() == name)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    /// Accepts `admin|edit|view` and `kubeflow-admin|edit|view`, ignoring ASCII case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let short = lower.strip_prefix("kubeflow-").unwrap_or(&lower);
        Role::ALL
            .into_iter()
            .find(|r| r.short_name() == short)
            .ok_or_else(|| RoleError {
                input: s.to_owned(),
            })
    }
}

impl Serialize for Role {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.short_name())
    }
}

impl<'de> Deserialize<'de> for Role {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        raw.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn vocabularies_map_both_ways() {
        for role in Role::ALL {
            assert_eq!(role.short_name().parse::<Role>().unwrap(), role);
            assert_eq!(role.cluster_role().parse::<Role>().unwrap(), role);
            assert_eq!(Role::from_cluster_role(role.cluster_role()), Some(role));
        }
        assert_eq!(Role::Edit.cluster_role(), "kubeflow-edit");
        assert_eq!(Role::View.dashboard_term(), "viewer");
        assert_eq!("EDIT".parse::<Role>().unwrap(), Role::Edit);
        assert_eq!(Role::from_cluster_role("edit"), None);
    }

    #[test]
    fn unknown_roles_are_rejected_with_the_choices() {
        let err = "owner".parse::<Role>().unwrap_err();
        assert!(err.to_string().contains("admin, edit or view"));
        assert!("kubeflow-".parse::<Role>().is_err());
        assert!("cluster-admin".parse::<Role>().is_err());
    }
}
