#![allow(clippy::unwrap_used, clippy::expect_used)]
use serde_json::json;

use super::*;
use crate::plan::{Change, Plan};

fn quota(profile: &str, set: &[(&str, &str)], unset: &[&str]) -> Intent {
    Intent::Quota {
        profile: ProfileName::parse(profile).unwrap(),
        set: set
            .iter()
            .map(|(k, v)| (ResourceName::parse(k).unwrap(), Quantity::parse(v).unwrap()))
            .collect(),
        unset: unset
            .iter()
            .map(|k| ResourceName::parse(k).unwrap())
            .collect(),
        limit_range: false,
    }
}

fn plan(rv: &str) -> Plan {
    let live = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": "team", "resourceVersion": rv}, "spec": {"x": 1}});
    let mut want = live.clone();
    want["spec"]["x"] = json!(2);
    let mut p = Plan::new();
    p.push(Change::update(live, want));
    p
}

#[test]
fn staging_the_same_profile_twice_merges_into_one_change() {
    let mut set = ChangeSet::default();
    let (a, _) = set.stage(quota("team", &[("cpu", "8"), ("pods", "10")], &[]));
    assert_eq!(set.planned(a, Ok(plan("5"))), None);
    let (b, merged) = set.stage(quota("team", &[("memory", "16Gi")], &["pods"]));
    assert_eq!(a, b, "same objects, same change");
    assert_eq!(set.len(), 1);
    assert_eq!(merged.summary(), "quota team: cpu=8, memory=16Gi, -pods");
    // Re-planned against an object that moved meanwhile: staged, with a note saying so.
    assert_eq!(set.planned(b, Ok(plan("9"))), None);
    let note = set.items[0].note.clone().unwrap();
    assert!(
        note.contains("profile.kubeflow.org/team changed on the server"),
        "{note}"
    );
    // Another profile is another change.
    let (c, _) = set.stage(quota("other", &[("cpu", "1")], &[]));
    assert_ne!(c, a);
    assert_eq!(set.len(), 2);
    assert!(set.planning());
}

#[test]
fn a_failed_re_plan_keeps_the_staged_version_and_a_failed_first_plan_unstages() {
    let mut set = ChangeSet::default();
    let (a, _) = set.stage(quota("team", &[("cpu", "8")], &[]));
    set.planned(a, Ok(plan("5")));
    set.stage(quota("team", &[("cpu", "9")], &[]));
    let msg = set
        .planned(a, Err(Failure::new(FailureKind::Invalid, "refused")))
        .unwrap();
    assert!(msg.contains("kept as it was"), "{msg}");
    assert_eq!(set.items[0].intent.summary(), "quota team: cpu=8");
    assert!(set.items[0].plan().is_some());

    let (b, _) = set.stage(quota("new", &[("cpu", "1")], &[]));
    let msg = set
        .planned(b, Err(Failure::new(FailureKind::Forbidden, "you may not")))
        .unwrap();
    assert_eq!(msg, "you may not");
    assert_eq!(set.len(), 1);
}

#[test]
fn a_plan_that_changes_nothing_is_unstaged_and_access_sorts_after_quota() {
    let mut set = ChangeSet::default();
    let subject = Subject::User(crate::model::Email::parse("bob@x.io").unwrap());
    let (g, _) = set.stage(Intent::Access {
        profile: ProfileName::parse("team").unwrap(),
        subject: subject.clone(),
        role: Some(Role::View),
    });
    let (q, _) = set.stage(quota("team", &[("cpu", "8")], &[]));
    set.planned(g, Ok(plan("1")));
    set.planned(q, Ok(plan("2")));
    let order: Vec<u64> = set.ready().iter().map(|(id, _, _)| *id).collect();
    assert_eq!(order, [q, g]);
    let (n, _) = set.stage(quota("noop", &[("cpu", "8")], &[]));
    let msg = set.planned(n, Ok(Plan::new())).unwrap();
    assert!(msg.contains("nothing to change"), "{msg}");
    assert_eq!(set.len(), 2);
    // A later role for the same pair replaces the earlier one.
    set.stage(Intent::Access {
        profile: ProfileName::parse("team").unwrap(),
        subject,
        role: None,
    });
    assert_eq!(set.len(), 2);
    assert!(
        set.items
            .iter()
            .any(|s| s.intent.summary() == "revoke bob@x.io on team")
    );
}
