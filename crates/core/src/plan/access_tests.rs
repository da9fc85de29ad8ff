#![allow(clippy::unwrap_used, clippy::expect_used)]
use super::*;
use crate::manifest::{IstioSettings, contributor_pair};
use crate::model::{Email, ProfileName};
use crate::plan::Action;

fn user(e: &str) -> Subject {
    Subject::User(Email::parse(e).unwrap())
}

fn pair(s: &Subject, role: Role) -> ContributorPair {
    let p: ProfileName = "team".parse().unwrap();
    contributor_pair(&p, s, role, &IstioSettings::default()).unwrap()
}

fn live(s: &Subject, role: Role) -> (Vec<RoleBinding>, Vec<AuthorizationPolicy>) {
    let pr = pair(s, role);
    (vec![pr.role_binding], vec![pr.policy])
}

#[test]
fn a_case_twin_is_a_collision_not_the_subjects_pair() {
    let (rbs, aps) = live(&user("ben.ode@corp.io"), Role::Edit);
    let err = contributions(&rbs, &aps, &user("Ben.Ode@corp.io")).unwrap_err();
    assert_eq!(err.kind, "RoleBinding");
    assert_eq!(err.other, "User ben.ode@corp.io");
    assert_eq!(err.subject, "Ben.Ode@corp.io");
    let msg = err.to_string();
    assert!(
        msg.contains("belongs to User ben.ode@corp.io, not Ben.Ode@corp.io"),
        "{msg}"
    );
    assert!(msg.contains("kfam-name-collision"), "{msg}");
}

#[test]
fn an_escaping_twin_policy_alone_is_a_collision() {
    let (_, aps) = live(&user("jo-kim@acme.io"), Role::View);
    let err = contributions(&[], &aps, &user("jo.kim@acme.io")).unwrap_err();
    assert_eq!(err.kind, "AuthorizationPolicy");
    assert_eq!(err.other, "user jo-kim@acme.io");
}

#[test]
fn a_policy_without_annotation_is_judged_by_its_when_value() {
    let s = user("a@x.io");
    let (_, mut aps) = live(&s, Role::View);
    aps[0].metadata.annotations = None;
    assert_eq!(contributions(&[], &aps, &s).unwrap().len(), 1);
    aps[0].spec.rules.as_mut().unwrap()[0]
        .when
        .as_mut()
        .unwrap()[0]
        .values = Some(vec!["accounts.google.com:a@x.io".into()]);
    assert_eq!(contributions(&[], &aps, &s).unwrap().len(), 1);
    aps[0].spec.rules.as_mut().unwrap()[0]
        .when
        .as_mut()
        .unwrap()[0]
        .values = Some(vec!["A@x.io".into()]);
    let err = contributions(&[], &aps, &s).unwrap_err();
    assert_eq!(err.other, "the identity A@x.io");
}

#[test]
fn the_subjects_own_pair_is_found_and_granting_it_again_is_unchanged() {
    let s = user("jo.kim@acme.io");
    let (rbs, aps) = live(&s, Role::Edit);
    let current = contributions(&rbs, &aps, &s).unwrap();
    assert_eq!(current.len(), 1);
    let plan = plan_grant_pair(&current, &s, Role::Edit, &pair(&s, Role::Edit), true).unwrap();
    assert!(plan.is_noop());
    let plan = plan_grant_pair(&current, &s, Role::View, &pair(&s, Role::View), true).unwrap();
    let actions: Vec<Action> = plan.changes.iter().map(|c| c.action).collect();
    assert_eq!(
        actions,
        [
            Action::Delete,
            Action::Delete,
            Action::Create,
            Action::Create
        ]
    );
}

#[test]
fn removal_of_a_shared_binding_keeps_the_other_subjects() {
    let s = user("a@x.io");
    let mut rb = pair(&s, Role::View).role_binding;
    rb.metadata.name = Some("team-viewers".into());
    rb.subjects.as_mut().unwrap().push(user("b@x.io").to_rbac());
    let current = contributions(&[rb], &[], &s).unwrap();
    let plan = plan_removal(&current, &s, None).unwrap();
    assert_eq!(plan.changes.len(), 1);
    assert_eq!(plan.changes[0].action, Action::Update);
    let after = plan.changes[0].after.as_ref().unwrap();
    assert_eq!(after["subjects"].as_array().unwrap().len(), 1);
    assert_eq!(after["subjects"][0]["name"], "b@x.io");
}

#[test]
fn a_binding_of_another_name_that_does_not_name_the_subject_is_ignored() {
    let s = user("a@x.io");
    let mut rb = pair(&user("b@x.io"), Role::View).role_binding;
    rb.metadata.name = Some("team-viewers".into());
    assert!(contributions(&[rb], &[], &s).unwrap().is_empty());
}

#[test]
fn scan_keeps_the_subjects_own_roles_beside_a_collision() {
    let s = user("Ben.Ode@corp.io");
    let (mut rbs, mut aps) = live(&user("ben.ode@corp.io"), Role::Edit);
    let (own_rb, own_ap) = live(&s, Role::View);
    rbs.extend(own_rb);
    aps.extend(own_ap);
    let (found, collisions) = scan(&rbs, &aps, &s);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].role, Role::View);
    assert_eq!(collisions.len(), 1);
    let warning = collisions[0].clone().for_revoke_all().to_string();
    assert!(
        warning.contains("the rest of their access is revoked"),
        "{warning}"
    );
}
