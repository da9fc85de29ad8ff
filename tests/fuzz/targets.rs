//! Fuzz target bodies, shared by the coverage-guided fuzzers in `crates/fuzz` and the
//! regression test `tests/fuzz_corpus.rs`, so the two cannot drift apart.
//!
//! Each function takes the raw fuzzer input, feeds it to a real entry point of the crate and
//! asserts an invariant that must hold for every input (a round trip, a naming rule, an
//! idempotence), not only that nothing panics. A failed assertion is a bug in the product.

use kubectl_kubeflow::manifest::{
    cluster_role_binding_name, contributor_name, detect_collisions, detect_subject_collisions,
    kfam_binding_name, kfam_escape,
};
use kubectl_kubeflow::model::{
    Email, GroupName, ProfileName, Quantity, Quota, ResourceName, Role, Subject, is_dns1123_label,
};
use kubectl_kubeflow::tenancy::roster::{Entry, Grant, RosterFormat, parse_roster, render_roster};

/// A target body: the raw fuzzer input in, a panic for a broken invariant.
pub type Target = fn(&[u8]);

/// Every target, by the name of its corpus directory (`tests/data/fuzz/<name>/`).
pub const TARGETS: &[(&str, Target)] = &[
    ("quantity", quantity),
    ("email_profile", email_profile),
    ("kfam_names", kfam_names),
    ("roster", roster),
    ("sandbox_body", sandbox_body),
    ("selectors", selectors),
];

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Splits the input at its first NUL byte (the second part is empty without one).
fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Quantities (`Quantity::parse`) and quota pairs (`Quota::parse_pair`): whatever parses
/// prints canonically, and the canonical form parses back to the same value and prints the
/// same again.
pub fn quantity(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(q) = Quantity::parse(s) {
        let canonical = q.to_string();
        let back = match Quantity::parse(&canonical) {
            Ok(b) => b,
            Err(e) => panic!("{s:?} printed as {canonical:?}, which does not parse: {e}"),
        };
        assert_eq!(back, q, "{s:?} -> {canonical:?} changed the value");
        assert_eq!(back.as_nanos(), q.as_nanos());
        assert_eq!(back.to_string(), canonical, "{s:?}: printing is not stable");
        let json = serde_json::to_string(&q).unwrap_or_default();
        let from_json: Quantity = match serde_json::from_str(&json) {
            Ok(v) => v,
            Err(e) => panic!("{s:?} serialised as {json} does not deserialise: {e}"),
        };
        assert_eq!(from_json, q);
        if let Ok(sum) = q.checked_add(&q) {
            assert_eq!(sum.as_nanos(), q.as_nanos() * 2);
        }
        assert_eq!(q.is_negative(), q.as_nanos() < 0);
        assert_eq!(q.is_zero(), q.as_nanos() == 0);
    } else {
        // Refused input gets a message, and `same_amount` falls back to text comparison.
        assert!(kubectl_kubeflow::model::same_amount(s, s));
    }
    if let Ok((name, value)) = Quota::parse_pair(s) {
        assert!(ResourceName::parse(name.as_str()).is_ok());
        let printed = format!("{}={value}", name.as_str());
        match Quota::parse_pair(&printed) {
            Ok((n2, v2)) => {
                assert_eq!(n2, name, "{s:?} -> {printed:?}");
                assert_eq!(v2, value, "{s:?} -> {printed:?}");
            }
            Err(e) => panic!("{s:?} printed as {printed:?}, which does not parse: {e}"),
        }
    }
    for pairs in [s.split(';').collect::<Vec<_>>()] {
        if let Ok(quota) = Quota::from_pairs(pairs) {
            let spec = quota.to_resource_quota_spec();
            match Quota::from_resource_quota_spec(&spec) {
                Ok(back) => assert_eq!(back, quota, "{s:?}: spec round trip"),
                Err(e) => panic!("{s:?}: the quota's own spec is refused: {e}"),
            }
            let _ = quota.to_string();
        }
    }
}

/// Emails (`Email::parse`, `Email::parse_user_id`), group names and profile names, and the
/// profile name derived from an email: a parsed value re-parses equal, and a derived profile
/// name is a valid, unreserved DNS-1123 label.
pub fn email_profile(data: &[u8]) {
    let Some(s) = text(data) else { return };
    if let Ok(e) = Email::parse(s) {
        assert_eq!(e.as_str(), s, "an email is kept verbatim");
        assert_eq!(Email::parse(e.as_str()).as_ref(), Ok(&e));
        assert_eq!(Email::parse_user_id(s).as_ref(), Ok(&e));
        assert!(e.is_address());
        assert_eq!(format!("{}@{}", e.local_part(), e.domain()), s);
        let json = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Email>(&json).ok().as_ref(), Some(&e));
    }
    if let Ok(e) = Email::parse_user_id(s) {
        assert_eq!(e.as_str(), s);
        assert_eq!(Email::parse_user_id(e.as_str()).as_ref(), Ok(&e));
        assert_eq!(e.is_address(), s.contains('@'));
        let _ = e.warnings();
        match ProfileName::from_email(&e) {
            Ok(p) => {
                assert!(
                    is_dns1123_label(p.as_str()),
                    "{s:?} derives {p:?}, not a DNS-1123 label"
                );
                assert_eq!(ProfileName::parse(p.as_str()).as_ref(), Ok(&p));
            }
            Err(err) => assert!(!err.to_string().is_empty()),
        }
        let _ = ProfileName::derivation_warning(&e);
    }
    if let Ok(p) = ProfileName::parse(s) {
        assert!(
            is_dns1123_label(p.as_str()),
            "{s:?} accepted as a profile name"
        );
        assert_eq!(p.as_str(), s);
        let json = serde_json::to_string(&p).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<ProfileName>(&json).ok().as_ref(),
            Some(&p)
        );
    }
    if let Ok(g) = GroupName::parse(s) {
        assert_eq!(GroupName::parse(g.as_str()).as_ref(), Ok(&g));
    }
}

/// KFAM name escaping (`kfam_escape` and the binding names built on it) on two identities
/// split from the input at its first NUL: names are DNS-friendly and within limits, and two
/// identities get the same object name exactly when the collision check reports them.
pub fn kfam_names(data: &[u8]) {
    let (a, b) = split_nul(data);
    let (Some(a), Some(b)) = (text(a), text(b)) else {
        return;
    };
    let escaped = kfam_escape(a);
    assert_eq!(kfam_escape(&escaped), escaped, "escaping is idempotent");
    assert!(!escaped.contains("--"));
    for role in Role::ALL {
        let name = kfam_binding_name(a, role);
        assert!(
            name.bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
            "{name:?}"
        );
        assert!(!name.contains("--"), "{name:?}");
        assert!(name.starts_with("user-"), "{name:?}");
        assert!(
            name.ends_with(&format!("-clusterrole-{}", role.short_name())),
            "{name:?}"
        );
    }
    let same = kfam_binding_name(a, Role::Edit) == kfam_binding_name(b, Role::Edit);
    let reported = !detect_collisions(&[a, b]).is_empty();
    assert_eq!(
        reported,
        same && a != b,
        "{a:?} and {b:?}: same binding name {same}, collision reported {reported}"
    );
    let subjects: Vec<Subject> = [a, b]
        .iter()
        .flat_map(|s| {
            let user = Email::parse_user_id(s).ok().map(Subject::User);
            let group = GroupName::parse(s).ok().map(Subject::Group);
            user.into_iter().chain(group)
        })
        .collect();
    for s in &subjects {
        for role in Role::ALL {
            let crb = cluster_role_binding_name(s, role);
            assert!(crb.len() <= 253, "{crb:?} is too long");
            assert!(
                crb.bytes()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-'),
                "{crb:?}"
            );
            assert!(!crb.ends_with('-'), "{crb:?}");
            let _ = contributor_name(s, role);
        }
    }
    for (i, x) in subjects.iter().enumerate() {
        for y in &subjects[i + 1..] {
            if x == y {
                continue;
            }
            let clash = cluster_role_binding_name(x, Role::Edit)
                == cluster_role_binding_name(y, Role::Edit);
            if clash {
                assert!(
                    !detect_subject_collisions(&[x.clone(), y.clone()]).is_empty(),
                    "{x:?} and {y:?} share the ClusterRoleBinding name {:?} unreported",
                    cluster_role_binding_name(x, Role::Edit)
                );
            }
        }
    }
}

/// The roster parsers (CSV and YAML, chosen by sniffing as for `--from -`): a roster that
/// parses renders in both formats, and each rendering parses back to the same entries and
/// renders identically again.
pub fn roster(data: &[u8]) {
    let Some(s) = text(data) else { return };
    let format = RosterFormat::sniff(s);
    let parsed = kubectl_kubeflow::tenancy::roster::parse_roster_rows(s, format);
    for e in &parsed.errors {
        assert!(e.line >= 1 || !e.message.is_empty());
    }
    let Ok((entries, _)) = parse_roster(s, format) else {
        return;
    };
    // Compared by value: a quantity's remembered format may change (`0Gi` prints as `0`).
    let key = |es: &[Entry]| -> Vec<(Subject, Grant)> {
        es.iter()
            .map(|e| (e.subject.clone(), e.grant.clone()))
            .collect()
    };
    for out in [RosterFormat::Csv, RosterFormat::Yaml] {
        let rendered = match render_roster(&entries, out) {
            Ok(r) => r,
            Err(e) => panic!("{s:?}: cannot render as {out:?}: {e}"),
        };
        let again = match parse_roster(&rendered, out) {
            Ok((again, _)) => again,
            Err(errors) => {
                panic!("{s:?}: the {out:?} rendering {rendered:?} does not parse: {errors:?}")
            }
        };
        assert_eq!(
            key(&again),
            key(&entries),
            "{s:?}: {out:?} round trip via {rendered:?}"
        );
        assert_eq!(render_roster(&again, out).ok().as_deref(), Some(&*rendered));
    }
}

/// Sandbox request decoding (protobuf, JSON/YAML bodies, the three patch formats): the body
/// and its invariants are the sandbox's own (`kubectl_kubeflow_sandbox::fuzz::body`).
pub fn sandbox_body(data: &[u8]) {
    kubectl_kubeflow::sandbox::fuzz::body(data);
}

/// Label and field selectors as the sandbox reads them from a list request
/// (`kubectl_kubeflow_sandbox::fuzz::selectors`).
pub fn selectors(data: &[u8]) {
    kubectl_kubeflow::sandbox::fuzz::selectors(data);
}
