//! Snapshot and round-trip tests of every manifest builder, and of the upstream Profile samples.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use k8s_openapi::api::core::v1::LimitRange;
use k8s_openapi::api::rbac::v1::{ClusterRoleBinding, RoleBinding};
use kubectl_kubeflow::manifest::{
    self, IstioSettings, LimitRangeDefaults, OutputFormat, render_objects, to_value,
};
use kubectl_kubeflow::model::{
    AuthorizationPolicy, Email, GroupName, Profile, ProfileName, Quantity, Quota, Role, Subject,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

fn name(s: &str) -> ProfileName {
    ProfileName::parse(s).unwrap()
}

/// Renders `obj` as YAML, parses that YAML back into `T`, and checks both the typed value and
/// the re-rendered YAML are unchanged. Returns the YAML for the snapshot.
fn yaml_round_trip<T>(obj: &T) -> String
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let yaml = render_objects(&[to_value(obj).unwrap()], OutputFormat::Yaml).unwrap();
    let back: T = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(&back, obj, "typed value changed through YAML:\n{yaml}");
    let again = render_objects(&[to_value(&back).unwrap()], OutputFormat::Yaml).unwrap();
    assert_eq!(again, yaml, "YAML changed on second round");
    assert!(yaml.contains("app.kubernetes.io/managed-by: kubectl-kubeflow"));
    yaml
}

#[test]
fn profile_without_quota() {
    let p = manifest::profile(&name("alice-smith"), &email("Alice.Smith@x.io"), None);
    insta::assert_snapshot!(yaml_round_trip(&p));
}

#[test]
fn profile_with_quota() {
    let quota = Quota::from_pairs([
        "cpu=4",
        "memory=16Gi",
        "gpu=1",
        "storage=100Gi",
        "pods=50",
        "limits.cpu=8000m",
    ])
    .unwrap();
    let p = manifest::profile(&name("team-a"), &email("lead@x.io"), Some(&quota));
    insta::assert_snapshot!(yaml_round_trip(&p));
}

#[test]
fn empty_quota_is_omitted() {
    let p = manifest::profile(&name("a"), &email("a@x.io"), Some(&Quota::new()));
    assert!(p.spec.resource_quota_spec.is_none());
}

#[test]
fn limit_range_seed_defaults() {
    let lr: LimitRange = manifest::limit_range(&name("alice"), &LimitRangeDefaults::default());
    insta::assert_snapshot!(yaml_round_trip(&lr));
}

#[test]
fn limit_range_overridden() {
    let defaults = LimitRangeDefaults {
        default_cpu: Quantity::parse("2").unwrap(),
        default_memory: Quantity::parse("1.5Gi").unwrap(),
        ..LimitRangeDefaults::default()
    };
    let lr = manifest::limit_range(&name("alice"), &defaults);
    insta::assert_snapshot!(yaml_round_trip(&lr));
}

#[test]
fn contributor_pair_user_edit() {
    let pair = manifest::contributor_pair(
        &name("alice"),
        &Subject::User(email("lalith.vaka@zq.msds.kp.org")),
        Role::Edit,
        &IstioSettings::default(),
    )
    .unwrap();
    let rb: RoleBinding = pair.role_binding.clone();
    let ap: AuthorizationPolicy = pair.policy.clone();
    assert_eq!(
        rb.metadata.name.as_deref(),
        Some("user-lalith-vaka-zq-msds-kp-org-clusterrole-edit")
    );
    assert_eq!(rb.metadata.name, ap.metadata.name);
    assert_eq!(rb.metadata.annotations, ap.metadata.annotations);
    insta::assert_snapshot!("contributor_user_edit_rolebinding", yaml_round_trip(&rb));
    insta::assert_snapshot!("contributor_user_edit_policy", yaml_round_trip(&ap));
}

#[test]
fn contributor_pair_user_view_custom_istio() {
    let istio = IstioSettings {
        userid_header: "x-goog-authenticated-user-email".into(),
        userid_prefix: "accounts.google.com:".into(),
        principals: vec![],
        ..IstioSettings::default()
    };
    let pair = manifest::contributor_pair(
        &name("alice"),
        &Subject::User(email("bob@x.io")),
        Role::View,
        &istio,
    )
    .unwrap();
    insta::assert_snapshot!(yaml_round_trip(&pair.policy));
}

#[test]
fn contributor_pair_group() {
    let pair = manifest::contributor_pair(
        &name("team-a"),
        &Subject::Group(GroupName::parse("ml-team").unwrap()),
        Role::Edit,
        &IstioSettings::default(),
    )
    .unwrap();
    insta::assert_snapshot!(
        "contributor_group_rolebinding",
        yaml_round_trip(&pair.role_binding)
    );
    insta::assert_snapshot!("contributor_group_policy", yaml_round_trip(&pair.policy));
}

#[test]
fn contributor_pair_refuses_overlong_names() {
    let long = format!(
        "{}@{}.io",
        "a".repeat(64),
        vec!["b".repeat(60); 3].join(".")
    );
    let err = manifest::contributor_pair(
        &name("a"),
        &Subject::User(email(&long)),
        Role::Edit,
        &IstioSettings::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("limit 253"));
}

#[test]
fn cluster_role_binding_user_and_group() {
    let crb: ClusterRoleBinding =
        manifest::cluster_role_binding(&Subject::User(email("Alice@x.io")), Role::View);
    insta::assert_snapshot!("crb_user_view", yaml_round_trip(&crb));
    let crb = manifest::cluster_role_binding(
        &Subject::Group(GroupName::parse("admins").unwrap()),
        Role::Admin,
    );
    insta::assert_snapshot!("crb_group_admin", yaml_round_trip(&crb));
}

#[test]
fn all_outputs_for_an_onboarding_plan() {
    let profile_name = name("alice");
    let objs = vec![
        to_value(&manifest::profile(
            &profile_name,
            &email("alice@x.io"),
            None,
        ))
        .unwrap(),
        to_value(&manifest::limit_range(
            &profile_name,
            &LimitRangeDefaults::default(),
        ))
        .unwrap(),
    ];
    insta::assert_snapshot!(
        "plan_names",
        render_objects(&objs, OutputFormat::Name).unwrap()
    );
    insta::assert_snapshot!(
        "plan_json",
        render_objects(&objs, OutputFormat::Json).unwrap()
    );
    let yaml = render_objects(&objs, OutputFormat::Yaml).unwrap();
    assert_eq!(yaml.matches("\n---\n").count(), 1);
}

/// Reads an upstream sample and checks Profile keeps every field (apiVersion is written as v1).
fn upstream_sample_round_trip(file: &str) -> Profile {
    let path = format!("{}/assets/upstream/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let raw: Value = serde_saphyr::from_str(&text).unwrap();
    let profile: Profile = serde_saphyr::from_str(&text).unwrap();
    let mut expected = raw.clone();
    expected["apiVersion"] = Value::String("kubeflow.org/v1".into());
    let written = serde_json::to_value(&profile).unwrap();
    assert_eq!(written, expected, "{file} lost or changed data");
    // And YAML -> typed -> YAML -> typed is stable.
    let yaml = render_objects(&[to_value(&profile).unwrap()], OutputFormat::Yaml).unwrap();
    let again: Profile = serde_saphyr::from_str(&yaml).unwrap();
    assert_eq!(again, profile);
    profile
}

#[test]
fn upstream_samples_lose_nothing() {
    let v1 = upstream_sample_round_trip("profile-sample-v1.yaml");
    assert_eq!(v1.spec.owner.unwrap().name, "test-user@kubeflow.org");
    let aws = upstream_sample_round_trip("profile-sample-v1-aws-iam.yaml");
    let plugin = &aws.spec.plugins.unwrap()[0];
    assert_eq!(plugin.kind, "AwsIamForServiceAccount");
    assert_eq!(
        plugin.spec.as_ref().unwrap()["awsIamRole"],
        "arn:aws:iam::account-id:role/s3-reader"
    );
    let beta = upstream_sample_round_trip("profile-sample-v1beta1-quota.yaml");
    let hard = beta.spec.resource_quota_spec.unwrap().hard.unwrap();
    assert_eq!(hard["requests.nvidia.com/gpu"].0, "1");
    assert_eq!(hard["memory"].0, "2Gi");
}

#[test]
fn upstream_quota_parses_into_the_domain_quota() {
    let path = format!(
        "{}/assets/upstream/profile-sample-v1beta1-quota.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let profile: Profile = serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let quota = Quota::from_resource_quota_spec(profile.spec.resource_quota_spec.as_ref().unwrap())
        .unwrap();
    assert_eq!(
        quota.to_string(),
        "cpu=2, memory=2Gi, persistentvolumeclaims=1, requests.nvidia.com/gpu=1, requests.storage=5Gi"
    );
}

/// Property: every builder's object survives YAML (render, parse, render again) for any
/// valid input, not only the snapshot examples.
mod round_trip_properties {
    use super::*;
    use proptest::prelude::*;

    fn emails() -> impl Strategy<Value = Email> {
        (
            "[a-zA-Z][a-zA-Z0-9._+-]{0,30}",
            "[a-z][a-z0-9-]{0,15}",
            "(io|com|org|example)",
        )
            .prop_filter_map("valid email", |(l, d, t)| {
                Email::parse(&format!("{l}@{d}.{t}")).ok()
            })
    }

    fn profile_names() -> impl Strategy<Value = ProfileName> {
        "[a-z][a-z0-9-]{0,40}[a-z0-9]"
            .prop_filter_map("valid name", |n| ProfileName::parse(&n).ok())
    }

    fn quotas() -> impl Strategy<Value = Quota> {
        let pair = (
            prop::sample::select(vec![
                "cpu",
                "memory",
                "gpu",
                "storage",
                "pods",
                "limits.cpu",
            ]),
            1u32..100_000,
            prop::sample::select(vec!["", "m", "Mi", "Gi", "k"]),
        )
            .prop_map(|(k, n, s)| format!("{k}={n}{s}"));
        prop::collection::vec(pair, 0..5).prop_filter_map("valid quota", |pairs| {
            let mut seen = std::collections::BTreeSet::new();
            let unique: Vec<String> = pairs
                .into_iter()
                .filter(|p| seen.insert(p.split('=').next().unwrap_or_default().to_string()))
                .collect();
            Quota::from_pairs(unique.iter().map(String::as_str)).ok()
        })
    }

    fn roles() -> impl Strategy<Value = Role> {
        prop::sample::select(vec![Role::Admin, Role::Edit, Role::View])
    }

    fn subjects() -> impl Strategy<Value = Subject> {
        prop_oneof![
            emails().prop_map(Subject::User),
            "[a-z][a-z0-9:._-]{0,30}"
                .prop_filter_map("group", |g| GroupName::parse(&g).ok().map(Subject::Group)),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn profiles(name in profile_names(), owner in emails(), quota in quotas()) {
            let q = (!quota.is_empty()).then_some(&quota);
            yaml_round_trip(&manifest::profile(&name, &owner, q));
        }

        #[test]
        fn limit_ranges(name in profile_names(), cpu in 1u32..64, mem in 1u32..4096) {
            let defaults = LimitRangeDefaults {
                default_cpu: Quantity::parse(&cpu.to_string()).unwrap(),
                default_memory: Quantity::parse(&format!("{mem}Mi")).unwrap(),
                ..LimitRangeDefaults::default()
            };
            let lr: LimitRange = manifest::limit_range(&name, &defaults);
            yaml_round_trip(&lr);
        }

        #[test]
        fn contributor_pairs(name in profile_names(), subject in subjects(), role in roles()) {
            let pair = manifest::contributor_pair(&name, &subject, role, &IstioSettings::default())
                .unwrap();
            let rb: RoleBinding = pair.role_binding;
            let ap: AuthorizationPolicy = pair.policy;
            yaml_round_trip(&rb);
            yaml_round_trip(&ap);
        }

        #[test]
        fn cluster_role_bindings(subject in subjects(), role in roles()) {
            let crb: ClusterRoleBinding = manifest::cluster_role_binding(&subject, role);
            yaml_round_trip(&crb);
        }
    }
}
