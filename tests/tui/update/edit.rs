//! `update` for every editing flow, driven by key presses and the runner's answers (plans,
//! dry-run checks, apply outcomes), plus the read-only refusal in the write layer itself
//! against a sandbox.

use super::*;
use kubectl_kubeflow::cluster::Cluster;
use kubectl_kubeflow::cluster::apply::{ApplyOptions, apply};
use kubectl_kubeflow::cluster::permission::PermissionCache;
use kubectl_kubeflow::model::Role;
use kubectl_kubeflow::plan::{Change, Plan};
use kubectl_kubeflow::sandbox::Seed;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow::tui::edit::preview::Tone;
use kubectl_kubeflow::tui::edit::quota::Editing;
use kubectl_kubeflow::tui::edit::{Check, Failure, FailureKind, Intent, Stage};
use kubectl_kubeflow::tui::msg::Outcome;
use kubectl_kubeflow::tui::state::{ConfirmAction, TextKind};

/// alpha has cpu=4 (2 used) and memory=8Gi, no LimitRange.
fn with_quota() -> AppState {
    let mut snap = lists(false);
    let mut alpha = profile("alpha", "ann@x.io");
    alpha["spec"]["resourceQuotaSpec"] = json!({"hard": {"cpu": "4", "memory": "8Gi"}});
    snap.profiles[0] = from(alpha);
    snap.resource_quotas = vec![from(
        json!({"metadata": {"name": "kf-resource-quota", "namespace": "alpha"},
        "spec": {"hard": {"cpu": "4", "memory": "8Gi"}},
        "status": {"hard": {"cpu": "4", "memory": "8Gi"}, "used": {"cpu": "2", "memory": "1Gi"}}}),
    )];
    state_of(snap.into(), false)
}

fn editor(s: &AppState) -> &kubectl_kubeflow::tui::edit::quota::QuotaEditor {
    match &s.modal {
        Modal::Quota(e) => e,
        other => panic!("no quota editor: {other:?}"),
    }
}

fn plan_of(update_to: &str, rv: &str) -> Plan {
    let live = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": "alpha", "resourceVersion": rv},
        "spec": {"resourceQuotaSpec": {"hard": {"cpu": "4"}}}});
    let mut want = live.clone();
    want["spec"]["resourceQuotaSpec"]["hard"]["cpu"] = json!(update_to);
    let mut p = Plan::new();
    p.push(Change::update(live, want));
    p
}

fn staged_id(fx: &[Effect]) -> u64 {
    match fx {
        [Effect::Plan { id, .. }] => *id,
        other => panic!("expected one Plan effect, got {other:?}"),
    }
}

#[test]
fn quota_editor_validates_live_warns_below_usage_and_stages_set_and_unset() {
    let mut s = with_quota();
    key(&mut s, KeyCode::Char('e'));
    let e = editor(&s);
    assert_eq!(e.rows.len(), 2);
    assert_eq!(e.rows[0].used.as_deref(), Some("2"));
    assert!(e.offers_limit_range(), "no LimitRange in alpha");

    // An invalid value: the error shows while typing and Enter is refused.
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "1x");
    assert!(
        editor(&s)
            .field_problem()
            .unwrap()
            .contains("unknown suffix")
    );
    key(&mut s, KeyCode::Enter);
    assert!(
        matches!(editor(&s).editing, Editing::Value(_)),
        "Enter refused"
    );
    assert!(
        editor(&s)
            .error
            .as_deref()
            .unwrap()
            .contains("unknown suffix")
    );
    // Below usage: accepted with a warning on the row.
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "1");
    key(&mut s, KeyCode::Enter);
    let row = &editor(&s).rows[0];
    assert_eq!(row.value, "1");
    assert!(
        row.below_usage()
            .unwrap()
            .contains("below current usage (2)")
    );

    // Add a key with completion, refuse a fraction for an object count.
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "pers");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Enter);
    assert_eq!(editor(&s).rows[2].resource, "persistentvolumeclaims");
    typed(&mut s, "0.5");
    assert!(editor(&s).field_problem().unwrap().contains("whole number"));
    key(&mut s, KeyCode::Enter);
    assert!(editor(&s).error.is_some());
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "5");
    key(&mut s, KeyCode::Enter);
    // An unknown resource name is refused with the API server's rule.
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "CPU");
    key(&mut s, KeyCode::Enter);
    assert!(editor(&s).error.as_deref().unwrap().contains("lower-case"));
    key(&mut s, KeyCode::Esc);
    assert_eq!(editor(&s).editing, Editing::None);

    // Remove memory, add the LimitRange, stage.
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(editor(&s).row().unwrap().resource, "memory");
    key(&mut s, KeyCode::Char('d'));
    key(&mut s, KeyCode::Char('L'));
    let fx = key(&mut s, KeyCode::Char('s'));
    let [Effect::Plan { intent, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let Intent::Quota {
        set,
        unset,
        limit_range,
        ..
    } = intent
    else {
        panic!()
    };
    let set: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(set, ["cpu=1", "persistentvolumeclaims=5"]);
    assert_eq!(unset.iter().next().unwrap().as_str(), "memory");
    assert!(*limit_range);
    assert_eq!(s.modal, Modal::None);
    assert_eq!(s.staged.len(), 1);
}

#[test]
fn closing_the_editor_or_changing_nothing_stages_nothing() {
    let mut s = with_quota();
    key(&mut s, KeyCode::Char('e'));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.modal, Modal::None);
    assert!(s.status.as_deref().unwrap().contains("nothing was staged"));
    key(&mut s, KeyCode::Char('e'));
    // Same amount, other spelling: no change.
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "4000m");
    key(&mut s, KeyCode::Enter);
    assert!(key(&mut s, KeyCode::Char('s')).is_empty());
    assert!(s.staged.is_empty());
    assert_eq!(s.status.as_deref(), Some("no change to stage"));
}

#[test]
fn staging_preview_dry_run_confirm_and_apply() {
    let mut s = with_quota();
    typed(&mut s, ":quota alpha cpu=8");
    let id = staged_id(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::Planned {
            id,
            result: Ok(plan_of("8", "10")),
        },
    );
    assert!(matches!(s.staged.items[0].stage, Stage::Ready(_)));
    // Staging the same profile again merges.
    typed(&mut s, ":quota alpha memory=16Gi");
    assert_eq!(staged_id(&key(&mut s, KeyCode::Enter)), id);
    assert_eq!(s.staged.len(), 1);
    assert_eq!(
        s.staged.items[0].intent.summary(),
        "quota alpha: cpu=8, memory=16Gi"
    );
    // Apply while still planning is refused.
    typed(&mut s, ":apply");
    key(&mut s, KeyCode::Enter);
    assert!(s.status.as_deref().unwrap().contains("still being planned"));
    update(
        &mut s,
        Msg::Planned {
            id,
            result: Ok(plan_of("8", "10")),
        },
    );

    let fx = key(&mut s, KeyCode::Char('p'));
    assert!(matches!(fx.as_slice(), [Effect::DryRun { items }] if items.len() == 1));
    update(
        &mut s,
        Msg::Checked {
            id,
            checks: vec![Check {
                reference: "profile.kubeflow.org/alpha".into(),
                outcome: Err("admission webhook denied it".into()),
            }],
        },
    );
    let Modal::Text { kind, lines, .. } = &s.modal else {
        panic!()
    };
    assert_eq!(*kind, TextKind::Preview);
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.tone == Tone::Removed && l.text.contains("cpu: \"4\"")),
        "{text:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.tone == Tone::Added && l.text.contains("cpu: \"8\"")),
        "{text:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.tone == Tone::Error && l.text.contains("admission webhook denied it"))
    );
    assert!(
        text.iter().any(|l| l.starts_with("kind: Profile")),
        "YAML sent"
    );

    // Confirmation: anything but y cancels.
    key(&mut s, KeyCode::Char('a'));
    assert!(matches!(
        s.modal,
        Modal::Confirm {
            action: ConfirmAction::Apply,
            ..
        }
    ));
    assert!(key(&mut s, KeyCode::Char('x')).is_empty());
    assert_eq!(s.modal, Modal::None);
    key(&mut s, KeyCode::Char('p'));
    key(&mut s, KeyCode::Char('a'));
    let fx = key(&mut s, KeyCode::Char('y'));
    assert!(matches!(fx.as_slice(), [Effect::Apply { items }] if items.len() == 1));
    assert!(s.applying);
    update(
        &mut s,
        Msg::Applied {
            id,
            outcome: Outcome::Done(vec!["profile.kubeflow.org/alpha configured".into()]),
        },
    );
    update(&mut s, Msg::ApplyDone);
    assert!(s.staged.is_empty() && !s.applying);
    let Modal::Text { kind, lines, .. } = &s.modal else {
        panic!()
    };
    assert_eq!(*kind, TextKind::Results);
    assert!(lines.iter().any(|l| l.text.contains("alpha configured")));
}

#[test]
fn a_conflict_re_stages_with_a_fresh_plan_and_a_failure_re_plans() {
    let mut s = with_quota();
    typed(&mut s, ":quota alpha cpu=8");
    let id = staged_id(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::Planned {
            id,
            result: Ok(plan_of("8", "10")),
        },
    );
    update(
        &mut s,
        Msg::Applied {
            id,
            outcome: Outcome::Conflict {
                failure: Failure::new(FailureKind::Conflict, "the object has been modified"),
                replanned: Ok(plan_of("8", "11")),
            },
        },
    );
    let staged = &s.staged.items[0];
    assert!(staged.note.as_deref().unwrap().contains("conflict"));
    let plan = staged.plan().unwrap();
    assert_eq!(
        plan.changes[0].before.as_ref().unwrap()["metadata"]["resourceVersion"],
        "11",
        "re-planned against the new live object"
    );
    // Another client made the same change meanwhile: re-planned to nothing, unstaged.
    typed(&mut s, ":quota beta cpu=8");
    let other = staged_id(&key(&mut s, KeyCode::Enter));
    update(
        &mut s,
        Msg::Planned {
            id: other,
            result: Ok(plan_of("8", "20")),
        },
    );
    update(
        &mut s,
        Msg::Applied {
            id: other,
            outcome: Outcome::Conflict {
                failure: Failure::new(FailureKind::Conflict, "the object has been modified"),
                replanned: Ok(Plan::new()),
            },
        },
    );
    assert!(s.staged.get_mut(other).is_none(), "nothing left to change");
    let fx = update(
        &mut s,
        Msg::Applied {
            id,
            outcome: Outcome::Failed {
                done: vec![],
                failure: Failure::new(FailureKind::Invalid, "refused"),
            },
        },
    );
    assert!(matches!(fx.as_slice(), [Effect::Plan { id: i, .. }] if *i == id));
    assert_eq!(s.staged.items[0].stage, Stage::Planning);
}

#[test]
fn role_picker_toggles_stage_kfam_pairs_and_owners_are_refused() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('3'));
    // Rows: ann, bob, cid (owners and bob the contributor); columns alpha beta gamma.
    typed(&mut s, "/bob");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('t'));
    let Modal::RolePicker(p) = &s.modal else {
        panic!("{:?}", s.modal)
    };
    let p = &p.targets[0];
    assert_eq!((p.profile.as_str(), p.current), ("alpha", Some(Role::Edit)));
    // The same role: nothing staged.
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    assert!(s.status.as_deref().unwrap().contains("already has edit"));
    key(&mut s, KeyCode::Char('t'));
    let fx = key(&mut s, KeyCode::Char('n'));
    let [Effect::Plan { intent, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(intent.summary(), "revoke bob@x.io on alpha");
    // bob owns beta: refused with why.
    key(&mut s, KeyCode::Char('l'));
    key(&mut s, KeyCode::Char('t'));
    assert_eq!(s.modal, Modal::None);
    assert!(s.status.as_deref().unwrap().contains("owns profile beta"));
    // In a profile's drill-down (its users) the row's user on that profile.
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Char('G'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Users);
    typed(&mut s, "/bob");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('t'));
    let Modal::RolePicker(p) = &s.modal else {
        panic!("{:?}", s.modal)
    };
    let p = &p.targets[0];
    assert_eq!((p.profile.as_str(), p.current), ("gamma", Some(Role::View)));
    let fx = key(&mut s, KeyCode::Char('a'));
    assert!(
        matches!(fx.as_slice(), [Effect::Plan { intent, .. }] if intent.summary() == "grant admin bob@x.io on gamma")
    );
    // Outside a pair, t explains itself.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('t'));
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("(user, profile) pair")
    );
}

#[test]
fn read_only_refuses_edits_before_anything_is_staged() {
    let mut s = state_of(snapshot(false), true);
    key(&mut s, KeyCode::Char('e'));
    assert_eq!(s.modal, Modal::None);
    assert!(s.status.as_deref().unwrap().contains("--readonly"));
    typed(&mut s, ":grant dan@x.io view alpha");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.staged.is_empty());
    assert!(s.status.as_deref().unwrap().contains("nothing was staged"));
}

#[test]
fn staged_changes_guard_quit_and_context_switch_and_can_be_unstaged() {
    let mut s = with_quota();
    typed(&mut s, ":grant dan@x.io view alpha");
    key(&mut s, KeyCode::Enter);
    typed(&mut s, ":quota beta cpu=1");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.staged.len(), 2);
    typed(&mut s, ":ctx other");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(s.status.as_deref().unwrap().contains("before switching"));
    key(&mut s, KeyCode::Char('q'));
    assert!(matches!(
        s.modal,
        Modal::Confirm {
            action: ConfirmAction::Quit,
            ..
        }
    ));
    key(&mut s, KeyCode::Char('n'));
    assert!(!s.quit);
    key(&mut s, KeyCode::Char('C'));
    key(&mut s, KeyCode::Char('d'));
    assert_eq!(s.staged.len(), 1);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("unstaged: grant view dan@x.io")
    );
    typed(&mut s, ":unstage 5");
    key(&mut s, KeyCode::Esc);
    typed(&mut s, ":unstage 5");
    key(&mut s, KeyCode::Enter);
    assert!(s.status.as_deref().unwrap().contains("no staged change 5"));
    typed(&mut s, ":discard");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('y'));
    assert!(s.staged.is_empty());
    key(&mut s, KeyCode::Char('q'));
    assert!(s.quit, "nothing staged: q quits at once");
}

#[tokio::test]
async fn a_read_only_cluster_refuses_writes_in_the_write_layer() {
    let sb = Sandbox::start(SandboxOptions {
        seed: Seed::Demo,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let cluster = Cluster::from_client(
        sb.client_for("sandbox-admin").await.unwrap(),
        "sandbox",
        &sb.url(),
    );
    let intent =
        kubectl_kubeflow::tui::edit::command::parse("quota", "vision cpu=99", Default::default())
            .unwrap()
            .unwrap();
    let kubectl_kubeflow::tui::edit::command::EditCommand::Stage(intent) = intent else {
        panic!()
    };
    let plan = kubectl_kubeflow::tui::runner::plan(&cluster, &intent, &PermissionCache::default())
        .await
        .unwrap();
    let ro = cluster
        .clone()
        .read_only("the TUI was started with --readonly");
    let err = apply(&ro, &plan, ApplyOptions::default())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("read-only"), "{err}");
    // A server dry run still goes through; the live object is unchanged.
    let opts = ApplyOptions {
        dry_run: kubectl_kubeflow::cluster::DryRun::Server,
        ..ApplyOptions::default()
    };
    apply(&ro, &plan, opts).await.unwrap();
    let live = kubectl_kubeflow::cluster::snapshot::load_snapshot(&cluster)
        .await
        .unwrap();
    let vision = live.profile("vision").unwrap();
    let cpu = vision.hard.iter().find(|(k, _)| &**k == "cpu").unwrap();
    assert_ne!(&*cpu.1, "99");
    sb.shutdown().await;
}

#[test]
fn onboarding_form_derives_validates_live_and_stages_one_new_profile() {
    let mut snap = lists(false);
    snap.namespaces.push(from(
        json!({"metadata": {"name": "delta", "annotations": {"owner": "someone@x.io"}}}),
    ));
    let mut s = state_of(snap.into(), false);
    let form = |s: &AppState| match &s.modal {
        Modal::Onboard(f) => f.clone(),
        other => panic!("no form: {other:?}"),
    };
    key(&mut s, KeyCode::Char('n'));
    typed(&mut s, "Dan.O@x");
    assert_eq!(
        form(&s).profile.text(),
        "dan-o",
        "derived like the dashboard"
    );
    assert!(
        !form(&s).warnings().is_empty(),
        "upper case is warned about"
    );
    // Bad email: shown live, Enter refused.
    typed(&mut s, "@");
    assert!(
        form(&s)
            .issues
            .iter()
            .any(|(f, _)| *f == kubectl_kubeflow::tui::edit::onboard::Focus::Email)
    );
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(form(&s).error.is_some());
    key(&mut s, KeyCode::Backspace);
    // A name of an existing profile, then of a foreign namespace.
    key(&mut s, KeyCode::Tab);
    for _ in 0..5 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "alpha");
    assert!(
        form(&s).issues[0]
            .1
            .contains("profile alpha already exists")
    );
    for _ in 0..5 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "delta");
    assert!(
        form(&s).issues[0]
            .1
            .contains("owner annotation: someone@x.io")
    );
    for _ in 0..5 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "dan");
    assert!(form(&s).issues.is_empty(), "{:?}", form(&s).issues);
    // Preset: medium; then custom through the quota editor.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Right);
    key(&mut s, KeyCode::Right);
    assert_eq!(form(&s).choice_label(), "medium");
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Left);
    assert_eq!(form(&s).choice_label(), "custom");
    assert!(form(&s).issues[0].1.contains("quota editor"));
    key(&mut s, KeyCode::Char('e'));
    key(&mut s, KeyCode::Char('a'));
    typed(&mut s, "gpu");
    key(&mut s, KeyCode::Enter);
    typed(&mut s, "1");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Char('s'));
    let f = form(&s);
    assert!(f.editor.is_none());
    assert_eq!(f.quota().len(), 1);
    // LimitRange off, one contributor.
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Tab);
    typed(&mut s, "bob@x.io:boss");
    assert!(form(&s).issues[0].1.contains("unknown role"));
    for _ in 0..4 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "view");
    let fx = key(&mut s, KeyCode::Enter);
    let [Effect::Plan { intent, .. }] = fx.as_slice() else {
        panic!("{fx:?} {:?}", s.modal)
    };
    assert_eq!(
        intent.summary(),
        "onboard Dan.O@x as profile dan, quota requests.nvidia.com/gpu=1, 1 contributor(s)"
    );
    assert_eq!(s.modal, Modal::None);
}

#[test]
fn user_presets_replace_the_built_in_ones_and_bad_files_say_why() {
    use kubectl_kubeflow::tui::edit::onboard::load_presets_from;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("presets.yaml");
    let (absent, why) = load_presets_from(Some(path.clone()));
    assert_eq!(
        (absent.len(), why),
        (4, None),
        "built-in presets when there is no file"
    );
    std::fs::write(&path, "tiny:\n  cpu: 500m\n  memory: 1Gi\n").unwrap();
    let (mine, why) = load_presets_from(Some(path.clone()));
    assert_eq!((mine.len(), mine[0].name.as_str(), why), (1, "tiny", None));
    std::fs::write(&path, "tiny: {CPU: 1}").unwrap();
    let (fallback, why) = load_presets_from(Some(path));
    let why = why.unwrap();
    assert_eq!(fallback.len(), 4);
    assert!(
        why.contains("preset tiny") && why.contains("lower-case"),
        "{why}"
    );
}

#[test]
fn offboarding_and_deleting_a_profile_need_the_name_typed() {
    use kubectl_kubeflow::tui::state::Danger;
    let mut s = loaded();
    // Profiles view: delete gamma.
    key(&mut s, KeyCode::Char('G'));
    let fx = key(&mut s, KeyCode::Char('D'));
    let [Effect::Inspect { intent }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(intent.summary(), "delete profile gamma (and its namespace)");
    let intent = intent.clone();
    let danger = |s: &AppState| -> Danger {
        match &s.modal {
            Modal::Danger(d) => (**d).clone(),
            other => panic!("{other:?}"),
        }
    };
    // Enter before the counts arrive, then with the wrong name: refused.
    key(&mut s, KeyCode::Enter);
    assert!(danger(&s).error.unwrap().contains("still counting"));
    let live = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": "gamma", "resourceVersion": "4", "uid": "u"}});
    let mut plan = Plan::new();
    plan.push(Change::delete(&live).unwrap());
    update(
        &mut s,
        Msg::Inspected {
            intent,
            result: Ok((
                plan,
                vec![kubectl_kubeflow::cluster::offboard::NamespaceContents {
                    profile: "gamma".into(),
                    counts: vec![("pods".into(), Some(3))],
                }],
            )),
        },
    );
    typed(&mut s, "gam");
    key(&mut s, KeyCode::Enter);
    assert!(danger(&s).error.unwrap().contains("type gamma exactly"));
    assert!(s.staged.is_empty());
    typed(&mut s, "ma");
    assert!(
        key(&mut s, KeyCode::Enter).is_empty(),
        "planned already: no new effect"
    );
    assert_eq!(s.staged.len(), 1);
    assert!(s.staged.items[0].plan().is_some());
    // Users view: offboarding bob; Esc keeps everything.
    key(&mut s, KeyCode::Char('2'));
    typed(&mut s, "/bob");
    key(&mut s, KeyCode::Enter);
    let fx = key(&mut s, KeyCode::Char('D'));
    assert!(
        matches!(fx.as_slice(), [Effect::Inspect { intent }] if intent.summary() == "offboard bob@x.io")
    );
    assert_eq!(danger(&s).expected, "bob@x.io");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.modal, Modal::None);
    assert_eq!(s.staged.len(), 1);
}

#[test]
fn contributors_not_listed_yet_are_added_through_a_form() {
    let mut s = loaded();
    // Profiles view, alpha selected.
    key(&mut s, KeyCode::Char('+'));
    assert!(matches!(s.modal, Modal::Contributor(_)));
    typed(&mut s, "ann@x.io");
    let Modal::Contributor(f) = &s.modal else {
        panic!()
    };
    assert!(f.error.as_deref().unwrap().contains("owns alpha"));
    for _ in 0..8 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "bob@x.io");
    let Modal::Contributor(f) = &s.modal else {
        panic!()
    };
    assert!(f.error.as_deref().unwrap().contains("already has edit"));
    assert!(key(&mut s, KeyCode::Enter).is_empty(), "refused");
    for _ in 0..8 {
        key(&mut s, KeyCode::Backspace);
    }
    typed(&mut s, "eve@x.io");
    key(&mut s, KeyCode::Tab);
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::Plan { intent, .. }] if intent.summary() == "grant admin eve@x.io on alpha"),
        "{fx:?}"
    );
}

#[test]
fn doctor_fixes_and_registration_are_staged_like_edits() {
    let mut snap = lists(false);
    snap.authorization_policies = Some(vec![from(json!({
        "apiVersion": "security.istio.io/v1", "kind": "AuthorizationPolicy",
        "metadata": {"name": "user-gone-x-io-clusterrole-edit", "namespace": "beta",
                     "annotations": {"user": "gone@x.io", "role": "edit"}},
        "spec": {"rules": [{"when": [{"key": "request.headers[kubeflow-userid]", "values": ["gone@x.io"]}]}]}
    }))]);
    let mut s = state_of(snap.into(), false);
    key(&mut s, KeyCode::Char('5'));
    typed(&mut s, "/policy-missing");
    key(&mut s, KeyCode::Enter);
    let fx = key(&mut s, KeyCode::Char('f'));
    let [Effect::Plan { intent, .. }] = fx.as_slice() else {
        panic!("{fx:?} {:?}", s.status)
    };
    assert_eq!(intent.summary(), "doctor: safe fixes for 1 finding(s)");
    // y reads the finding's object.
    let (title, objects) = yaml_requested(&mut s);
    assert_eq!(
        title,
        "AuthorizationPolicy/beta/user-gone-x-io-clusterrole-edit"
    );
    assert_eq!(
        objects[0]["metadata"],
        json!({"name": "user-gone-x-io-clusterrole-edit", "namespace": "beta"})
    );
    key(&mut s, KeyCode::Esc);
    typed(&mut s, ":registration disable");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Plan {
            intent: Intent::Registration { enable: false },
            ..
        }]
    ));
    assert_eq!(s.staged.len(), 2);
    typed(&mut s, ":registration maybe");
    key(&mut s, KeyCode::Enter);
    assert!(s.status.as_deref().unwrap().contains("enable|disable"));
}

#[test]
fn edit_as_yaml_reads_the_live_object_opens_the_editor_and_stages_a_valid_edit() {
    let mut s = loaded();
    let fx = key(&mut s, KeyCode::Char('E'));
    let [Effect::FetchForEdit { object }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(object["kind"], "Profile");
    assert_eq!(object["metadata"]["name"], "alpha");
    let live = json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
        "metadata": {"name": "alpha", "resourceVersion": "3"},
        "spec": {"owner": {"kind": "User", "name": "ann@x.io"}}});
    let fx = update(
        &mut s,
        Msg::EditReady {
            result: Ok(live.clone()),
        },
    );
    assert!(matches!(fx.as_slice(), [Effect::OpenEditor { object }] if *object == live));
    // A rename is refused; nothing staged.
    let renamed = "apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata:\n  name: beta\n  resourceVersion: \"3\"\nspec: {}\n";
    let fx = update(
        &mut s,
        Msg::Edited {
            before: live.clone(),
            result: Ok(renamed.into()),
        },
    );
    assert!(fx.is_empty());
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("metadata.name was changed")
    );
    // An edit of the spec is staged as a replace.
    let edited = "apiVersion: kubeflow.org/v1\nkind: Profile\nmetadata:\n  name: alpha\n  resourceVersion: \"3\"\nspec:\n  owner: {kind: User, name: ann@x.io}\n  resourceQuotaSpec: {hard: {cpu: \"2\"}}\n";
    let fx = update(
        &mut s,
        Msg::Edited {
            before: live.clone(),
            result: Ok(edited.into()),
        },
    );
    let [Effect::Plan { intent, .. }] = fx.as_slice() else {
        panic!("{fx:?} {:?}", s.status)
    };
    assert_eq!(
        intent.summary(),
        "edit profile.kubeflow.org/alpha (as YAML)"
    );
    // The editor failing or the file emptied stages nothing.
    update(
        &mut s,
        Msg::Edited {
            before: live.clone(),
            result: Err("the editor \"vi\" exited with exit status: 1; nothing was staged".into()),
        },
    );
    assert!(s.status.as_deref().unwrap().contains("exited"));
    update(
        &mut s,
        Msg::Edited {
            before: live,
            result: Ok("# only a comment\n".into()),
        },
    );
    assert!(s.status.as_deref().unwrap().contains("emptied"));
    assert_eq!(s.staged.len(), 1);
}

#[test]
fn marked_rows_get_one_staged_change_each_and_owners_are_left_out() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('2'));
    typed(&mut s, "/bob");
    key(&mut s, KeyCode::Enter);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Profiles);
    // bob: edit on alpha, owner of beta, view on gamma.
    for _ in 0..3 {
        key(&mut s, KeyCode::Char(' '));
    }
    assert_eq!(s.table().marked.len(), 3);
    key(&mut s, KeyCode::Char('t'));
    let Modal::RolePicker(p) = &s.modal else {
        panic!("{:?} {:?}", s.modal, s.status)
    };
    assert_eq!(p.targets.len(), 2);
    assert!(p.skipped[0].contains("owns profile beta"));
    let fx = key(&mut s, KeyCode::Char('v'));
    assert_eq!(fx.len(), 1, "gamma already has view");
    assert!(s.status.as_deref().unwrap().contains("1 already had it"));
    assert!(s.table().marked.is_empty(), "marks are used up");
    // Marks again, then Esc clears them before anything else.
    key(&mut s, KeyCode::Char('g'));
    key(&mut s, KeyCode::Char(' '));
    key(&mut s, KeyCode::Esc);
    assert!(s.table().marked.is_empty());
    assert_eq!(
        s.view,
        ViewKind::Profiles,
        "Esc cleared the marks, not the drill-down"
    );
    key(&mut s, KeyCode::Char('4'));
    key(&mut s, KeyCode::Char(' '));
    assert!(s.status.as_deref().unwrap().contains("Space marks"));
}

#[test]
fn cluster_wide_roles_are_only_staged_on_purpose_and_warned_about() {
    let mut s = loaded();
    typed(&mut s, ":grant eve@x.io view --cluster-wide");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Plan {
            intent: Intent::ClusterWide { .. },
            ..
        }]
    ));
    assert!(s.status.as_deref().unwrap().contains("every namespace"));
    typed(&mut s, ":revoke eve@x.io --cluster-wide");
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.staged.len(),
        1,
        "the same subject's cluster-wide roles: one change"
    );
    assert_eq!(
        s.staged.items[0].intent.summary(),
        "revoke the cluster-wide roles of eve@x.io"
    );
}

#[test]
fn history_opens_the_journal_and_undo_is_staged_like_any_change() {
    let mut s = with_quota();
    typed(&mut s, ":history");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![Effect::History]);
    let title = match &s.modal {
        Modal::Yaml { title, lines, .. } => {
            assert_eq!(lines, &["reading the journal…"]);
            title.clone()
        }
        other => panic!("no history overlay: {other:?}"),
    };
    let table = vec![
        "ID  AGE  USER  CHANGES  COMMAND".to_string(),
        "1  5s  admin  1 updated  quota alpha cpu=8".into(),
    ];
    update(
        &mut s,
        Msg::HistoryReady {
            result: Ok(table.clone()),
        },
    );
    assert!(
        matches!(&s.modal, Modal::Yaml { title: t, lines, .. } if *t == title && *lines == table)
    );
    // An answer for a closed overlay does not reopen it.
    key(&mut s, KeyCode::Esc);
    update(&mut s, Msg::HistoryReady { result: Ok(table) });
    assert_eq!(s.modal, Modal::None);

    // A bad id stages nothing and says what to type.
    typed(&mut s, ":undo x");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(
        s.status.as_deref().unwrap().contains(":history lists them"),
        "{:?}",
        s.status
    );
    typed(&mut s, ":undo 1");
    let id = staged_id(&key(&mut s, KeyCode::Enter));
    assert_eq!(s.staged.items[0].intent, Intent::Undo { id: Some(1) });
    assert_eq!(s.staged.items[0].intent.summary(), "undo change set 1");
    // A refusal (what the change set wrote was changed since) is shown whole, diff included,
    // and nothing stays staged.
    let why = "cannot undo change set 1: what it changed was changed again since; nothing was staged\nprofile.kubeflow.org/alpha: the fields this change wrote were changed again since\n-      cpu: \"8\"\n+      cpu: \"6\"";
    update(
        &mut s,
        Msg::Planned {
            id,
            result: Err(Failure::new(FailureKind::Conflict, why)),
        },
    );
    assert!(s.staged.is_empty());
    match &s.modal {
        Modal::Yaml { lines, .. } => assert_eq!(lines.len(), 4, "{lines:?}"),
        other => panic!("no refusal overlay: {other:?}"),
    }
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .starts_with("cannot undo change set 1")
    );
}

#[test]
fn usernames_are_staged_only_when_the_tui_accepts_any_user_id() {
    let mut s = with_quota();
    typed(&mut s, ":grant bob edit alpha");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("--user-id-format=any"),
        "{:?}",
        s.status
    );
    s.user_ids = kubectl_kubeflow::model::UserIdFormat::Any;
    typed(&mut s, ":grant bob edit alpha");
    staged_id(&key(&mut s, KeyCode::Enter));
    assert_eq!(
        s.staged.items[0].intent.summary(),
        "grant edit bob on alpha"
    );
}
