//! Validated user email addresses.
//!
//! Kubeflow identifies users by the email in the `kubeflow-userid` header and compares it byte
//! for byte with `spec.owner.name`, RoleBinding subjects and KFAM annotations. The address is
//! therefore kept exactly as typed (case preserved); mixed case only produces a warning.

/// Longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;
/// Longest local part accepted (RFC 5321).
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest domain label accepted (DNS).
pub const MAX_LABEL_LEN: usize = 63;

/// Characters the central dashboard's (WHATWG) email check allows in the local part, besides
/// ASCII letters and digits.
const LOCAL_SPECIALS: &str = ".!#$%&'*+/=?^_`{|}~-";

/// Why a string is not an acceptable user email.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("email is empty: give the user's login email, e.g. alice@example.com")]
    Empty,
    /// Longer than [`MAX_EMAIL_LEN`].
    #[error("email {email:?} is {len} characters long; the maximum is {MAX_EMAIL_LEN}")]
    TooLong {
        /// The rejected input.
        email: String,
        /// Its length in bytes.
        len: usize,
    },
    /// Contains whitespace or a control character somewhere.
    #[error(
        "email {email:?} contains whitespace or a control character at position {position}; \
         remove it (check for stray spaces or quotes when copying)"
    )]
    Whitespace {
        /// The rejected input.
        email: String,
        /// Character index of the first offending character.
        position: usize,
    },
    /// No `@` at all.
    #[error(
        "email {email:?} has no '@'; give a full address such as alice@example.com (if your Kubeflow logs users in by another identity, such as a username or a service account, pass --user-id-format=any)"
    )]
    MissingAt {
        /// The rejected input.
        email: String,
    },
    /// More than one `@`.
    #[error("email {email:?} contains more than one '@'; give exactly one address")]
    MultipleAt {
        /// The rejected input.
        email: String,
    },
    /// Nothing before the `@`.
    #[error("email {email:?} has nothing before the '@'")]
    EmptyLocalPart {
        /// The rejected input.
        email: String,
    },
    /// The part before `@` is longer than [`MAX_LOCAL_LEN`].
    #[error(
        "the part of {email:?} before '@' is {len} characters long; the maximum is {MAX_LOCAL_LEN}"
    )]
    LocalPartTooLong {
        /// The rejected input.
        email: String,
        /// Length of the local part.
        len: usize,
    },
    /// A character the dashboard would refuse appears before the `@`.
    #[error(
        "email {email:?} contains {ch:?} before the '@'; only letters, digits and \
         {LOCAL_SPECIALS} are accepted (the Kubeflow dashboard uses the same rule)"
    )]
    InvalidLocalChar {
        /// The rejected input.
        email: String,
        /// The offending character.
        ch: char,
    },
    /// Nothing after the `@`.
    #[error("email {email:?} has no domain after the '@'")]
    EmptyDomain {
        /// The rejected input.
        email: String,
    },
    /// A label of the domain is not a valid DNS label.
    #[error(
        "domain of {email:?} has an invalid part {label:?}: {reason}; domain parts must be \
         1-63 letters, digits or '-', not starting or ending with '-'"
    )]
    InvalidDomainLabel {
        /// The rejected input.
        email: String,
        /// The offending label (may be empty, e.g. for `x..io`).
        label: String,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// A syntactically valid user email, exactly as given (case preserved).
///
/// Accepts what the central dashboard accepts for contributors (the WHATWG email rule) plus
/// RFC length limits, so anything valid here can also be typed into the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Email(String);

impl Email {
    /// Validates `input` as an email; the value is kept verbatim (no trimming, no lowercasing).
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        validate(input)?;
        Ok(Self(input.to_owned()))
    }

    /// Any login identity (`--user-id-format=any`): a username such as `alice` or
    /// `system:serviceaccount:team:robot`, for deployments whose login header is not an
    /// email. An address is still checked as one; anything else must only be non-empty, free
    /// of whitespace and control characters, and at most [`MAX_EMAIL_LEN`] bytes.
    pub fn parse_user_id(input: &str) -> Result<Self, EmailError> {
        if input.contains('@') {
            return Self::parse(input);
        }
        check_plain(input)?;
        Ok(Self(input.to_owned()))
    }

    /// Whether this is an address (not a bare identity from [`Email::parse_user_id`]).
    pub fn is_address(&self) -> bool {
        self.0.contains('@')
    }

    /// The address exactly as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@` (a bare identity: all of it).
    pub fn local_part(&self) -> &str {
        self.0
            .split_once('@')
            .map_or(self.0.as_str(), |(local, _)| local)
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }

    /// Advice that does not block use, e.g. that upper-case letters are risky because Kubeflow
    /// matches the login header against this value byte for byte.
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !self.is_address() {
            out.push(format!(
                "user {:?} is not an email: access works only if Kubeflow's login header \
                 (USERID_HEADER, after USERID_PREFIX) carries exactly this value",
                self.0
            ));
        }
        if self.0.chars().any(|c| c.is_ascii_uppercase()) {
            out.push(format!(
                "email {:?} contains upper-case letters: Kubeflow compares it byte for byte with \
                 the kubeflow-userid login header, so access only works if the identity \
                 provider sends exactly this spelling; most send lower case, consider {:?}",
                self.0,
                self.0.to_ascii_lowercase()
            ));
        }
        out
    }
}

/// How user identities are checked: as email addresses (the default, what the central
/// dashboard requires) or as any login identity (`--user-id-format=any`: usernames and
/// service accounts, for deployments whose login header is not an email).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum UserIdFormat {
    /// An email address, as the central dashboard requires.
    #[default]
    Email,
    /// Any login identity without whitespace (a username, a service account).
    Any,
}

impl UserIdFormat {
    /// Parses a user identity in this format.
    pub fn parse(self, input: &str) -> Result<Email, EmailError> {
        match self {
            UserIdFormat::Email => Email::parse(input),
            UserIdFormat::Any => Email::parse_user_id(input),
        }
    }
}

/// What any user identity must be: non-empty, no whitespace or control characters, at most
/// [`MAX_EMAIL_LEN`] bytes.
fn check_plain(input: &str) -> Result<(), EmailError> {
    if input.is_empty() {
        return Err(EmailError::Empty);
    }
    if let Some(position) = input
        .chars()
        .position(|c| c.is_whitespace() || c.is_control())
    {
        return Err(EmailError::Whitespace {
            email: input.to_owned(),
            position,
        });
    }
    if input.len() > MAX_EMAIL_LEN {
        return Err(EmailError::TooLong {
            email: input.to_owned(),
            len: input.len(),
        });
    }
    Ok(())
}

fn validate(input: &str) -> Result<(), EmailError> {
    let email = || input.to_owned();
    check_plain(input)?;
    let (local, domain) = match input.split_once('@') {
        None => return Err(EmailError::MissingAt { email: email() }),
        Some((_, domain)) if domain.contains('@') => {
            return Err(EmailError::MultipleAt { email: email() });
        }
        Some(parts) => parts,
    };
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart { email: email() });
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong {
            email: email(),
            len: local.len(),
        });
    }
    if let Some(ch) = local
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || LOCAL_SPECIALS.contains(*c)))
    {
        return Err(EmailError::InvalidLocalChar { email: email(), ch });
    }
    if domain.is_empty() {
        return Err(EmailError::EmptyDomain { email: email() });
    }
    for label in domain.split('.') {
        if let Some(reason) = label_problem(label) {
            return Err(EmailError::InvalidDomainLabel {
                email: email(),
                label: label.to_owned(),
                reason,
            });
        }
    }
    Ok(())
}

/// What is wrong with one DNS label of an email domain, if anything.
fn label_problem(label: &str) -> Option<&'static str> {
    if label.is_empty() {
        Some("it is empty (two dots in a row, or a leading/trailing dot)")
    } else if label.len() > MAX_LABEL_LEN {
        Some("it is longer than 63 characters")
    } else if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        Some("it contains a character other than a letter, digit or '-'")
    } else if label.starts_with('-') || label.ends_with('-') {
        Some("it starts or ends with '-'")
    } else {
        None
    }
}

validated_string!(Email, EmailError, parse, parse);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_common_addresses_verbatim() {
        for ok in [
            "alice@example.com",
            "Alice.Smith@X.io",
            "user@example.com",
            "397401@zq.msds.kp.org",
            "a+tag@sub-domain.example.co.uk",
            "o'brien@x.io",
            "admin@localhost",
        ] {
            let e = Email::parse(ok).unwrap();
            assert_eq!(e.as_str(), ok);
            assert_eq!(e.to_string(), ok);
        }
    }

    #[test]
    fn rejects_with_specific_errors() {
        use EmailError as E;
        type Check = fn(&EmailError) -> bool;
        let cases: &[(&str, Check)] = &[
            ("", |e| matches!(e, E::Empty)),
            ("alice", |e| matches!(e, E::MissingAt { .. })),
            ("a@b@c.io", |e| matches!(e, E::MultipleAt { .. })),
            ("@x.io", |e| matches!(e, E::EmptyLocalPart { .. })),
            ("alice@", |e| matches!(e, E::EmptyDomain { .. })),
            (" alice@x.io", |e| {
                matches!(e, E::Whitespace { position: 0, .. })
            }),
            ("alice@x.io\n", |e| matches!(e, E::Whitespace { .. })),
            ("al ice@x.io", |e| {
                matches!(e, E::Whitespace { position: 2, .. })
            }),
            ("al\"ice@x.io", |e| {
                matches!(e, E::InvalidLocalChar { ch: '"', .. })
            }),
            ("alice@x..io", |e| matches!(e, E::InvalidDomainLabel { .. })),
            ("alice@-x.io", |e| matches!(e, E::InvalidDomainLabel { .. })),
            ("alice@x_y.io", |e| {
                matches!(e, E::InvalidDomainLabel { .. })
            }),
            ("alice@x.io.", |e| matches!(e, E::InvalidDomainLabel { .. })),
            ("jörg@x.io", |e| matches!(e, E::InvalidLocalChar { .. })),
        ];
        for (input, check) in cases {
            let err = Email::parse(input).unwrap_err();
            assert!(check(&err), "{input:?} gave {err:?}");
            assert!(!err.to_string().is_empty());
        }
        let long_local = format!("{}@x.io", "a".repeat(65));
        assert!(matches!(
            Email::parse(&long_local),
            Err(E::LocalPartTooLong { len: 65, .. })
        ));
        let long = format!("a@{}.io", vec!["b".repeat(60); 5].join("."));
        assert!(matches!(Email::parse(&long), Err(E::TooLong { .. })));
        let long_label = format!("a@{}.io", "b".repeat(64));
        assert!(matches!(
            Email::parse(&long_label),
            Err(E::InvalidDomainLabel { .. })
        ));
    }

    #[test]
    fn mixed_case_warns_lowercase_does_not() {
        assert!(Email::parse("alice@x.io").unwrap().warnings().is_empty());
        let w = Email::parse("Alice@x.io").unwrap().warnings();
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("byte for byte") && w[0].contains("alice@x.io"));
    }

    #[test]
    fn serde_is_a_plain_string_and_validates() {
        let e: Email = serde_json::from_str("\"bob@x.io\"").unwrap();
        assert_eq!(serde_json::to_string(&e).unwrap(), "\"bob@x.io\"");
        assert!(serde_json::from_str::<Email>("\"bob\"").is_err());
    }

    proptest! {
        #[test]
        fn generated_valid_addresses_round_trip(
            local in "[A-Za-z0-9][A-Za-z0-9._+-]{0,20}",
            domain in "[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\\.[a-z]{2,6}){1,3}",
        ) {
            let raw = format!("{local}@{domain}");
            let e: Email = raw.parse().unwrap();
            prop_assert_eq!(e.as_str(), raw.as_str());
            prop_assert_eq!(e.local_part(), local.as_str());
            prop_assert_eq!(e.domain(), domain.as_str());
        }

        #[test]
        fn never_panics_and_never_accepts_spaces(s in "\\PC{0,40}") {
            if let Ok(e) = Email::parse(&s) {
                prop_assert!(!e.as_str().contains(' '));
                prop_assert_eq!(e.as_str().matches('@').count(), 1);
            }
        }
    }
}
