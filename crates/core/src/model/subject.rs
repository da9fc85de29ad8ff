//! Who is granted a role: a user (by email) or a group from the identity provider.

use std::fmt;

use k8s_openapi::api::rbac::v1 as rbac;

use super::email::Email;

/// The RBAC API group used for User and Group subjects.
pub const RBAC_API_GROUP: &str = "rbac.authorization.k8s.io";

/// Why a group name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupNameError {
    /// Nothing was given.
    #[error("group name is empty: give the group as your identity provider sends it")]
    Empty,
    /// Longer than 253 characters.
    #[error("group name {name:?} is longer than 253 characters")]
    TooLong {
        /// The rejected input.
        name: String,
    },
    /// Contains a comma, whitespace or control character.
    #[error(
        "group name {name:?} contains {ch:?}; commas, whitespace and control characters are \
         not allowed (groups travel as a comma-separated header)"
    )]
    InvalidChar {
        /// The rejected input.
        name: String,
        /// The offending character.
        ch: char,
    },
}

/// A group name as the identity provider sends it in the `kubeflow-groups` header
/// (case preserved, compared byte for byte).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupName(String);

impl GroupName {
    /// Validates `input`: non-empty, at most 253 characters, no comma/whitespace/control.
    pub fn parse(input: &str) -> Result<Self, GroupNameError> {
        if input.is_empty() {
            return Err(GroupNameError::Empty);
        }
        if input.len() > 253 {
            return Err(GroupNameError::TooLong {
                name: input.to_owned(),
            });
        }
        if let Some(ch) = input
            .chars()
            .find(|c| *c == ',' || c.is_whitespace() || c.is_control())
        {
            return Err(GroupNameError::InvalidChar {
                name: input.to_owned(),
                ch,
            });
        }
        Ok(Self(input.to_owned()))
    }

    /// The name as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(GroupName, GroupNameError, parse, parse);

/// The grantee of a role. Upstream Kubeflow (KFAM, dashboard) only understands users; groups
/// are supported by this tool through RBAC and the `kubeflow-groups` header.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    /// A single user, identified by login email.
    User(Email),
    /// A group from the identity provider.
    Group(GroupName),
}

impl Subject {
    /// `"User"` or `"Group"`, the RBAC subject kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Subject::User(_) => "User",
            Subject::Group(_) => "Group",
        }
    }

    /// The raw name (email or group), exactly as RBAC and Istio compare it.
    pub fn name(&self) -> &str {
        match self {
            Subject::User(e) => e.as_str(),
            Subject::Group(g) => g.as_str(),
        }
    }

    /// The RBAC subject (`apiGroup: rbac.authorization.k8s.io`).
    pub fn to_rbac(&self) -> rbac::Subject {
        rbac::Subject {
            api_group: Some(RBAC_API_GROUP.to_owned()),
            kind: self.kind().to_owned(),
            name: self.name().to_owned(),
            namespace: None,
        }
    }
}

impl fmt::Display for Subject {
    /// `user alice@x.io` / `group ml-team`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind().to_ascii_lowercase(), self.name())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn group_names() {
        assert!(GroupName::parse("ml-team").is_ok());
        assert!(GroupName::parse("/org/ML Team").is_err());
        assert!(GroupName::parse("a,b").is_err());
        assert_eq!(GroupName::parse(""), Err(GroupNameError::Empty));
    }

    #[test]
    fn rbac_subjects() {
        let u = Subject::User(Email::parse("a@x.io").unwrap()).to_rbac();
        assert_eq!(
            (u.kind.as_str(), u.name.as_str(), u.api_group.as_deref()),
            ("User", "a@x.io", Some(RBAC_API_GROUP))
        );
        let g = Subject::Group(GroupName::parse("team").unwrap());
        assert_eq!(g.to_rbac().kind, "Group");
        assert_eq!(g.to_string(), "group team");
    }
}
