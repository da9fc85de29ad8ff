//! Resource quotas: validated resource names mapped to exact quantities.
//!
//! A [`Quota`] becomes `spec.resourceQuotaSpec.hard` of a Profile, which the profile
//! controller copies into the ResourceQuota `kf-resource-quota`.

use k8s_openapi::api::core::v1::ResourceQuotaSpec;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

use super::quantity::{Quantity, QuantityError};

/// Resource names admins use most often in Kubeflow profile quotas.
pub const COMMON_RESOURCES: &[&str] = &[
    "cpu",
    "memory",
    "pods",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
    "requests.nvidia.com/gpu",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.ephemeral-storage",
    "persistentvolumeclaims",
    "services",
    "services.loadbalancers",
    "services.nodeports",
    "configmaps",
    "secrets",
    "replicationcontrollers",
    "resourcequotas",
];

/// Short names accepted on the command line and what they stand for.
pub const ALIASES: &[(&str, &str)] = &[
    ("gpu", "requests.nvidia.com/gpu"),
    ("gpus", "requests.nvidia.com/gpu"),
    ("storage", "requests.storage"),
    ("pvcs", "persistentvolumeclaims"),
];

/// Why a resource name, quantity or `key=value` pair was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    /// The resource name is not a Kubernetes qualified name.
    #[error(
        "invalid resource name {name:?}: {reason}; use a name like cpu, requests.memory or \
         requests.nvidia.com/gpu"
    )]
    InvalidName {
        /// The rejected name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Whitespace around the key or the value (the quantity grammar has none; trimming it
    /// silently would change what was typed).
    #[error(
        "quota {pair:?} has spaces around its key or value; write it without them, e.g. {suggestion:?}"
    )]
    Whitespace {
        /// The rejected pair.
        pair: String,
        /// The pair without the spaces.
        suggestion: String,
    },
    /// The pair has no `=`.
    #[error("quota {pair:?} is not key=value; write e.g. cpu=4 or requests.memory=16Gi")]
    MissingEquals {
        /// The rejected pair.
        pair: String,
    },
    /// The value of a pair is not a valid quantity.
    #[error("quota {pair:?}: {source}")]
    InvalidQuantity {
        /// The rejected pair.
        pair: String,
        /// Why the quantity is invalid.
        source: QuantityError,
    },
    /// The resource name of a pair is invalid.
    #[error("quota {pair:?}: {source}")]
    InvalidPairName {
        /// The rejected pair.
        pair: String,
        /// Why the name is invalid.
        source: Box<QuotaError>,
    },
    /// Quotas cannot be negative (the API server refuses them).
    #[error("quota for {name} is negative ({value}); quota limits must be zero or more")]
    Negative {
        /// The resource.
        name: String,
        /// The negative value.
        value: String,
    },
    /// kube-apiserver would refuse this key or value in a ResourceQuota.
    #[error("quota {reason}")]
    Refused {
        /// The resource.
        name: String,
        /// What the API server checks and how to fix it.
        reason: String,
    },
    /// The same resource was given twice.
    #[error("quota for {name} is given twice ({first} and {second}); give it once")]
    Duplicate {
        /// The resource.
        name: String,
        /// First value.
        first: String,
        /// Second value.
        second: String,
    },
}

/// A validated resource name (Kubernetes qualified name: optional DNS-subdomain prefix, `/`,
/// and a name of at most 63 characters), e.g. `cpu`, `requests.nvidia.com/gpu`,
/// `count/deployments.apps`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResourceName(String);

impl ResourceName {
    /// Validates `input` as a resource name (no alias expansion).
    pub fn parse(input: &str) -> Result<Self, QuotaError> {
        let invalid = |reason: &str| QuotaError::InvalidName {
            name: input.to_owned(),
            reason: reason.to_owned(),
        };
        let (prefix, name) = match input.split_once('/') {
            Some((p, n)) => (Some(p), n),
            None => (None, input),
        };
        if let Some(prefix) = prefix {
            if prefix.is_empty() {
                return Err(invalid("the prefix before '/' is empty"));
            }
            if prefix.len() > 253 {
                return Err(invalid(
                    "the prefix before '/' is longer than 253 characters",
                ));
            }
            for label in prefix.split('.') {
                let ok = !label.is_empty()
                    && label.len() <= 63
                    && label
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !label.starts_with('-')
                    && !label.ends_with('-');
                if !ok {
                    return Err(invalid(
                        "the prefix before '/' must be a lower-case DNS name (like nvidia.com)",
                    ));
                }
            }
        }
        if name.is_empty() {
            return Err(invalid("the name is empty"));
        }
        if name.len() > 63 {
            return Err(invalid("the name part is longer than 63 characters"));
        }
        if name.contains('/') {
            return Err(invalid("it contains more than one '/'"));
        }
        let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if !edge_ok(name.chars().next()) || !edge_ok(name.chars().last()) {
            return Err(invalid(
                "the name must start and end with a letter or digit",
            ));
        }
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(invalid(
                "only letters, digits, '-', '_' and '.' are allowed in the name",
            ));
        }
        Ok(Self(input.to_owned()))
    }

    /// Like [`ResourceName::parse`], but first expands a flag alias (`gpu`, `storage`, ...).
    pub fn parse_alias(input: &str) -> Result<Self, QuotaError> {
        let expanded = ALIASES
            .iter()
            .find(|(alias, _)| *alias == input)
            .map_or(input, |(_, full)| full);
        Self::parse(expanded)
    }

    /// True for one of [`COMMON_RESOURCES`] (other valid names are still accepted).
    pub fn is_common(&self) -> bool {
        COMMON_RESOURCES.contains(&self.0.as_str())
    }

    /// The name as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

validated_string!(ResourceName, QuotaError, parse_alias, parse);

/// Hard limits per resource, ordered by name (so output is deterministic). Values are never
/// negative.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota(BTreeMap<ResourceName, Quantity>);

impl Quota {
    /// An empty quota.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one limit, returning the previous value; refuses what kube-apiserver refuses in
    /// a ResourceQuota (negative values, names that are not quota resources, fractions of
    /// object counts) and values it would silently cap.
    pub fn set(
        &mut self,
        name: ResourceName,
        value: Quantity,
    ) -> Result<Option<Quantity>, QuotaError> {
        if value.is_negative() {
            return Err(QuotaError::Negative {
                name: name.0,
                value: value.to_string(),
            });
        }
        let problem = super::quota_rules::name_problem(name.as_str())
            .or_else(|| super::quota_rules::value_problem(name.as_str(), &value));
        if let Some(reason) = problem {
            return Err(QuotaError::Refused {
                name: name.0,
                reason,
            });
        }
        Ok(self.0.insert(name, value))
    }

    /// Sets one limit that must not be set yet, so `--cpu 2 --quota cpu=4` is reported instead
    /// of one value silently winning.
    pub fn insert_unique(&mut self, name: ResourceName, value: Quantity) -> Result<(), QuotaError> {
        if let Some(first) = self.0.get(&name) {
            return Err(QuotaError::Duplicate {
                name: name.0,
                first: first.to_string(),
                second: value.to_string(),
            });
        }
        self.set(name, value).map(|_| ())
    }

    /// The limits as a map, ordered by resource name.
    pub fn as_map(&self) -> &BTreeMap<ResourceName, Quantity> {
        &self.0
    }

    /// Parses one `key=value` pair (aliases allowed), with errors that quote the pair.
    pub fn parse_pair(pair: &str) -> Result<(ResourceName, Quantity), QuotaError> {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| QuotaError::MissingEquals {
                pair: pair.to_owned(),
            })?;
        if key.trim() != key || value.trim() != value {
            return Err(QuotaError::Whitespace {
                pair: pair.to_owned(),
                suggestion: format!("{}={}", key.trim(), value.trim()),
            });
        }
        let name = ResourceName::parse_alias(key).map_err(|e| QuotaError::InvalidPairName {
            pair: pair.to_owned(),
            source: Box::new(e),
        })?;
        let quantity = Quantity::parse(value).map_err(|source| QuotaError::InvalidQuantity {
            pair: pair.to_owned(),
            source,
        })?;
        Ok((name, quantity))
    }

    /// Builds a quota from `key=value` pairs; a resource given twice is an error.
    pub fn from_pairs<'a, I>(pairs: I) -> Result<Self, QuotaError>
    where
        I: IntoIterator<Item = &'a str>,
    {
        let mut quota = Self::new();
        for pair in pairs {
            let (name, value) = Self::parse_pair(pair)?;
            quota.insert_unique(name, value)?;
        }
        Ok(quota)
    }

    /// The limit for `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Quantity> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }

    /// True when no limit is set (the controller then deletes `kf-resource-quota`).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of limits.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Limits in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&ResourceName, &Quantity)> {
        self.0.iter()
    }

    /// The `ResourceQuotaSpec` with `hard` set to these limits in canonical form.
    pub fn to_resource_quota_spec(&self) -> ResourceQuotaSpec {
        ResourceQuotaSpec {
            hard: Some(
                self.0
                    .iter()
                    .map(|(k, v)| (k.0.clone(), v.into()))
                    .collect(),
            ),
            ..ResourceQuotaSpec::default()
        }
    }

    /// Reads `spec.hard`; `scopes` and `scopeSelector` are not modelled and are ignored.
    pub fn from_resource_quota_spec(spec: &ResourceQuotaSpec) -> Result<Self, QuotaError> {
        let mut quota = Self::new();
        for (key, value) in spec.hard.iter().flatten() {
            let name = ResourceName::parse(key)?;
            let quantity =
                Quantity::try_from(value).map_err(|source| QuotaError::InvalidQuantity {
                    pair: format!("{key}={}", value.0),
                    source,
                })?;
            quota.set(name, quantity)?;
        }
        Ok(quota)
    }
}

impl fmt::Display for Quota {
    /// `cpu=4, memory=16Gi` (name order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (k, v) in &self.0 {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            write!(f, "{k}={v}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pairs_parse_with_aliases_and_canonical_values() {
        let q =
            Quota::from_pairs(["cpu=2", "memory=2Gi", "gpu=1", "storage=5Gi", "pods=10"]).unwrap();
        assert_eq!(
            q.to_string(),
            "cpu=2, memory=2Gi, pods=10, requests.nvidia.com/gpu=1, requests.storage=5Gi"
        );
        assert_eq!(q.get("requests.nvidia.com/gpu").unwrap().to_string(), "1");
        assert!(q.iter().all(|(k, _)| k.is_common()));
        let q = Quota::from_pairs(["count/deployments.apps=3", "limits.cpu=1500m"]).unwrap();
        assert_eq!(q.len(), 2);
        assert!(
            !ResourceName::parse("count/deployments.apps")
                .unwrap()
                .is_common()
        );
    }

    #[test]
    fn pair_errors_name_the_pair() {
        let err = Quota::from_pairs(["cpu"]).unwrap_err();
        assert!(matches!(err, QuotaError::MissingEquals { .. }));
        assert!(err.to_string().contains("\"cpu\""));
        let err = Quota::from_pairs(["cpu=2 cores"]).unwrap_err();
        assert!(matches!(err, QuotaError::InvalidQuantity { .. }));
        assert!(err.to_string().contains("cpu=2 cores"));
        let err = Quota::from_pairs(["Bad Name=1"]).unwrap_err();
        assert!(matches!(err, QuotaError::InvalidPairName { .. }));
        let err = Quota::from_pairs(["cpu=-1"]).unwrap_err();
        assert!(matches!(err, QuotaError::Negative { .. }));
        let err = Quota::from_pairs(["cpu=1", "cpu=2"]).unwrap_err();
        assert!(matches!(err, QuotaError::Duplicate { .. }));
        let err = Quota::from_pairs(["gpu=1", "requests.nvidia.com/gpu=2"]).unwrap_err();
        assert!(matches!(err, QuotaError::Duplicate { .. }));
    }

    #[test]
    fn flags_and_pairs_combine_without_silent_overrides() {
        let mut q = Quota::from_pairs(["memory=4Gi"]).unwrap();
        let cpu = ResourceName::parse_alias("cpu").unwrap();
        q.insert_unique(cpu.clone(), Quantity::parse("2").unwrap())
            .unwrap();
        let err = q
            .insert_unique(cpu.clone(), Quantity::parse("4").unwrap())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "quota for cpu is given twice (2 and 4); give it once"
        );
        assert_eq!(
            q.set(cpu, Quantity::parse("4").unwrap())
                .unwrap()
                .unwrap()
                .to_string(),
            "2"
        );
        assert_eq!(q.as_map().len(), 2);
    }

    #[test]
    fn resource_names_follow_qualified_name_rules() {
        for ok in [
            "cpu",
            "requests.nvidia.com/gpu",
            "count/deployments.apps",
            "example.com/My_Res-1",
        ] {
            assert!(ResourceName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/gpu",
            "nvidia.com/",
            "a/b/c",
            "-cpu",
            "cpu-",
            "cpu count",
            "NVIDIA.com/gpu",
            "x..y/gpu",
        ] {
            assert!(ResourceName::parse(bad).is_err(), "{bad}");
        }
        assert!(ResourceName::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn converts_to_and_from_resource_quota_spec() {
        let q = Quota::from_pairs(["cpu=2000m", "memory=1.5Gi"]).unwrap();
        let spec = q.to_resource_quota_spec();
        let hard = spec.hard.clone().unwrap();
        assert_eq!(hard["cpu"].0, "2");
        assert_eq!(hard["memory"].0, "1536Mi");
        assert_eq!(Quota::from_resource_quota_spec(&spec).unwrap(), q);
    }

    #[test]
    fn whitespace_around_a_key_or_value_is_refused_not_trimmed() {
        for bad in ["cpu= 4", "cpu =4", " cpu=4", "cpu=4 ", "memory=8Gi\t"] {
            let e = Quota::parse_pair(bad).unwrap_err();
            assert!(matches!(e, QuotaError::Whitespace { .. }), "{bad}: {e}");
            assert!(e.to_string().contains("write it without them"), "{e}");
        }
        assert!(Quota::parse_pair("cpu=4").is_ok());
    }

    proptest! {
        #[test]
        fn pair_round_trip(milli in 0i64..10_000_000, key in prop::sample::select(COMMON_RESOURCES.to_vec())) {
            let value = Quantity::new_milli(milli);
            let pair = format!("{key}={value}");
            let (name, parsed) = Quota::parse_pair(&pair).unwrap();
            prop_assert_eq!(name.as_str(), key);
            prop_assert_eq!(parsed, value);
        }
    }
}
