//! Profile (= namespace) names.
//!
//! A Profile only needs a DNS-1123 subdomain name, but the controller creates a namespace of the
//! same name, which must be a DNS-1123 *label*. Nothing upstream checks this, so a bad name is
//! accepted and then silently fails; this type refuses it up front, and also refuses names of
//! system namespaces the controller would try to take over.

use super::email::Email;

/// Longest namespace name Kubernetes accepts.
pub const MAX_PROFILE_NAME_LEN: usize = 63;

/// Namespaces that belong to Kubernetes, Kubeflow or its usual dependencies and must never be
/// claimed by a user Profile (the controller would add labels and RoleBindings to them).
pub const RESERVED_NAMES: &[&str] = &[
    "default",
    "kubeflow",
    "kubeflow-system",
    "cert-manager",
    "auth",
    "dex",
    "oauth2-proxy",
    "local-path-storage",
    "kubernetes-dashboard",
    "kserve",
    "monitoring",
];

/// Name prefixes reserved for platform namespaces (`kube-system`, `knative-serving`,
/// `istio-system`, `openshift-*`, ...).
pub const RESERVED_PREFIXES: &[&str] = &["kube-", "knative-", "istio-", "openshift-"];
/// True for a DNS-1123 label (`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`, at most 63 bytes): what a
/// namespace name, and so a usable Profile name, must be.
pub fn is_dns1123_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// Why a string cannot be used as a Profile name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileNameError {
    /// Nothing was given.
    #[error("profile name is empty: give a namespace-style name such as alice-smith")]
    Empty,
    /// Longer than 63 characters.
    #[error(
        "profile name {name:?} is {len} characters long; namespaces allow at most \
         {MAX_PROFILE_NAME_LEN}"
    )]
    TooLong {
        /// The rejected input.
        name: String,
        /// Its length.
        len: usize,
    },
    /// Upper-case letters are not allowed in namespace names.
    #[error("profile name {name:?} contains upper-case letters; use {suggestion:?}")]
    Uppercase {
        /// The rejected input.
        name: String,
        /// The lower-cased form.
        suggestion: String,
    },
    /// A character outside `a-z`, `0-9`, `-`.
    #[error(
        "profile name {name:?} contains {ch:?} at position {position}; only lower-case \
         letters, digits and '-' are allowed (it becomes a namespace name)"
    )]
    InvalidChar {
        /// The rejected input.
        name: String,
        /// The offending character.
        ch: char,
        /// Its character index.
        position: usize,
    },
    /// Starts or ends with `-`.
    #[error("profile name {name:?} must start and end with a letter or digit")]
    BadEdge {
        /// The rejected input.
        name: String,
    },
    /// Names a system namespace.
    #[error(
        "profile name {name:?} is reserved: {reason}; pick a user-specific name \
         (e.g. derived from the email)"
    )]
    Reserved {
        /// The rejected input.
        name: String,
        /// Which rule matched.
        reason: String,
    },
    /// Nothing usable is left of the email's local part.
    #[error(
        "cannot derive a profile name from {email:?}: nothing usable is left of the part \
         before '@'; pass an explicit profile name"
    )]
    NotDerivable {
        /// The email it was derived from.
        email: String,
    },
}

/// A name usable for both a Profile and its namespace: a DNS-1123 label of at most 63
/// characters that is not a reserved system namespace.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProfileName(String);

impl ProfileName {
    /// Validates `input` as a Profile name.
    pub fn parse(input: &str) -> Result<Self, ProfileNameError> {
        let name = || input.to_owned();
        if input.is_empty() {
            return Err(ProfileNameError::Empty);
        }
        let len = input.chars().count();
        if len > MAX_PROFILE_NAME_LEN {
            return Err(ProfileNameError::TooLong { name: name(), len });
        }
        if input.chars().any(|c| c.is_ascii_uppercase()) {
            let lower = input.to_ascii_lowercase();
            if lower
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(ProfileNameError::Uppercase {
                    name: name(),
                    suggestion: lower,
                });
            }
        }
        if let Some((position, ch)) = input
            .chars()
            .enumerate()
            .find(|(_, c)| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(ProfileNameError::InvalidChar {
                name: name(),
                ch,
                position,
            });
        }
        if input.starts_with('-') || input.ends_with('-') {
            return Err(ProfileNameError::BadEdge { name: name() });
        }
        if let Some(reason) = reserved_reason(input) {
            return Err(ProfileNameError::Reserved {
                name: name(),
                reason,
            });
        }
        Ok(Self(input.to_owned()))
    }

    /// Derives the name the central dashboard's registration page would suggest for `email`:
    /// the local part with every non-word character and `.` turned into `-`, leading and
    /// trailing `-` and every `_` removed, lower-cased (`Alice.Smith@x.io` -> `alice-smith`).
    ///
    /// Two deliberate additions so the result is always usable: the result is cut to 63
    /// characters, and `-` left at either end (the dashboard's single-pass regex can leave
    /// one, e.g. `a-_@x`) is trimmed. The result is then validated like [`ProfileName::parse`],
    /// so a reserved result such as `kubeflow@x.io` -> `kubeflow` is an error.
    pub fn from_email(email: &Email) -> Result<Self, ProfileNameError> {
        let mut name = dashboard_suggestion(email.local_part());
        if name.len() > MAX_PROFILE_NAME_LEN {
            name.truncate(MAX_PROFILE_NAME_LEN);
        }
        let name = name.trim_matches('-');
        if name.is_empty() {
            return Err(ProfileNameError::NotDerivable {
                email: email.as_str().to_owned(),
            });
        }
        Self::parse(name)
    }

    /// Why the name [`ProfileName::from_email`] derives for `email` may not be that user's
    /// alone: the dashboard's suggestion was longer than 63 characters and was cut, so
    /// another address sharing its first 63 characters derives the same name.
    pub fn derivation_warning(email: &Email) -> Option<String> {
        let full = dashboard_suggestion(email.local_part());
        (full.trim_matches('-').len() > MAX_PROFILE_NAME_LEN).then(|| {
            format!(
                "the profile name derived from {email} was cut to {MAX_PROFILE_NAME_LEN} characters, \
                 so another address starting with the same {MAX_PROFILE_NAME_LEN} characters would get the \
                 same name (a profile that belongs to someone else is refused)"
            )
        })
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The dashboard's `ns.replace(/[^\w]|\./g, '-').replace(/^-+|-+$|_/g, '').toLowerCase()`,
/// reproduced exactly (both regexes are single left-to-right passes).
fn dashboard_suggestion(local: &str) -> String {
    let dashed: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    // Second regex: alternatives `^-+`, `-+$`, `_`, scanning left to right without overlap.
    let chars: Vec<char> = dashed.chars().collect();
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '-' {
            let run_end = chars[i..]
                .iter()
                .position(|c| *c != '-')
                .map_or(chars.len(), |p| i + p);
            if i == 0 || run_end == chars.len() {
                i = run_end;
                continue;
            }
            out.extend(&chars[i..run_end]);
            i = run_end;
        } else if chars[i] == '_' {
            i += 1;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out.to_ascii_lowercase()
}

fn reserved_reason(name: &str) -> Option<String> {
    if RESERVED_NAMES.contains(&name) {
        return Some(format!(
            "{name:?} is a Kubernetes or Kubeflow system namespace"
        ));
    }
    RESERVED_PREFIXES
        .iter()
        .find(|p| name.starts_with(*p))
        .map(|p| format!("names starting with {p:?} belong to platform components"))
}

validated_string!(ProfileName, ProfileNameError, parse, parse);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    fn derive(email: &str) -> Result<ProfileName, ProfileNameError> {
        ProfileName::from_email(&Email::parse(email).unwrap())
    }

    #[test]
    fn derivation_follows_the_dashboard_rule() {
        for (email, want) in [
            ("Alice.Smith@x.io", "alice-smith"),
            ("user@example.com", "user"),
            ("lalith.vaka@zq.msds.kp.org", "lalith-vaka"),
            ("397401@zq.msds.kp.org", "397401"),
            ("first_last@x.io", "firstlast"),
            ("a+b@x.io", "a-b"),
            ("a..b@x.io", "a--b"),
            (".lead.trail.@x.io", "lead-trail"),
            ("__x__@x.io", "x"),
            ("a-_@x.io", "a"),
        ] {
            assert_eq!(derive(email).unwrap().as_str(), want, "{email}");
        }
    }

    #[test]
    fn dashboard_regex_quirk_is_reproduced_before_trimming() {
        // The dashboard leaves a trailing '-' here; we trim it afterwards.
        assert_eq!(dashboard_suggestion("a-_"), "a-");
        assert_eq!(dashboard_suggestion("--A.b--"), "a-b");
    }

    #[test]
    fn derivation_errors() {
        assert!(matches!(
            derive("kubeflow@x.io"),
            Err(ProfileNameError::Reserved { .. })
        ));
        assert!(matches!(
            derive("___@x.io"),
            Err(ProfileNameError::NotDerivable { .. })
        ));
        assert!(matches!(
            derive("kube-admin@x.io"),
            Err(ProfileNameError::Reserved { .. })
        ));
    }

    #[test]
    fn long_local_part_is_cut_to_63_without_trailing_dash() {
        let local = format!("{}.{}", "a".repeat(62), "b");
        let name = derive(&format!("{local}@x.io")).unwrap();
        assert_eq!(name.as_str(), "a".repeat(62));
        let local = "c".repeat(64);
        assert_eq!(derive(&format!("{local}@x.io")).unwrap().as_str().len(), 63);
    }

    #[test]
    fn parse_errors_are_specific() {
        use ProfileNameError as E;
        assert_eq!(ProfileName::parse(""), Err(E::Empty));
        assert!(matches!(
            ProfileName::parse(&"a".repeat(64)),
            Err(E::TooLong { len: 64, .. })
        ));
        assert!(ProfileName::parse(&"a".repeat(63)).is_ok());
        assert!(matches!(
            ProfileName::parse("Alice"),
            Err(E::Uppercase { ref suggestion, .. }) if suggestion == "alice"
        ));
        assert!(matches!(
            ProfileName::parse("a.b"),
            Err(E::InvalidChar {
                ch: '.',
                position: 1,
                ..
            })
        ));
        assert!(matches!(
            ProfileName::parse("a_b"),
            Err(E::InvalidChar { ch: '_', .. })
        ));
        assert!(matches!(ProfileName::parse("-a"), Err(E::BadEdge { .. })));
        assert!(matches!(ProfileName::parse("a-"), Err(E::BadEdge { .. })));
    }

    #[test]
    fn reserved_names_are_refused() {
        for name in [
            "default",
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "kubeflow",
            "istio-system",
            "cert-manager",
            "knative-serving",
            "knative-eventing",
            "auth",
            "oauth2-proxy",
            "local-path-storage",
        ] {
            assert!(
                matches!(
                    ProfileName::parse(name),
                    Err(ProfileNameError::Reserved { .. })
                ),
                "{name}"
            );
        }
        for ok in ["kubeflow-user-example-com", "kubex", "defaults", "team-a"] {
            assert!(ProfileName::parse(ok).is_ok(), "{ok}");
        }
    }

    proptest! {
        #[test]
        fn derived_names_are_always_valid_labels(
            local in "[A-Za-z0-9._+'=-]{1,64}",
        ) {
            let email = Email::parse(&format!("{local}@x.io")).unwrap();
            if let Ok(name) = ProfileName::from_email(&email) {
                let s = name.as_str();
                prop_assert!(s.len() <= 63);
                prop_assert!(!s.starts_with('-') && !s.ends_with('-'));
                prop_assert!(s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
                prop_assert_eq!(ProfileName::parse(s).unwrap(), name.clone());
            }
        }

        #[test]
        fn parse_accepts_exactly_dns_labels(s in "[a-z0-9-]{1,70}") {
            let is_label = s.len() <= 63 && !s.starts_with('-') && !s.ends_with('-');
            let reserved = reserved_reason(&s).is_some();
            prop_assert_eq!(ProfileName::parse(&s).is_ok(), is_label && !reserved);
        }
    }
}
