//! `update(state, msg) -> effects` driven with key presses and watch messages, no terminal:
//! navigation, filter, drill-down and back, view switching, `:` commands, YAML, compare mode,
//! stale-result handling and live updates that keep the selection.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubectl_kubeflow::cluster::ClusterError;
use kubectl_kubeflow::cluster::watch::{ConnectionTrouble, LiveEvent};
use kubectl_kubeflow::tenancy::{ObjectLists, Snapshot};
use kubectl_kubeflow::tui::msg::{Effect, Msg};
use kubectl_kubeflow::tui::state::{AppState, Connection, Data, Input, Modal, Scope, ViewKind};
use kubectl_kubeflow::tui::update::update;
use serde_json::{Value, json};

fn from<T: serde::de::DeserializeOwned>(v: Value) -> T {
    serde_json::from_value(v).unwrap()
}

fn profile(name: &str, owner: &str) -> Value {
    json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile",
           "metadata": {"name": name, "creationTimestamp": "2026-01-01T00:00:00Z"},
           "spec": {"owner": {"kind": "User", "name": owner}}})
}

fn binding(ns: &str, user: &str, role: &str) -> Value {
    let name = format!("user-{}-clusterrole-{role}", user.replace(['@', '.'], "-"));
    json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
           "metadata": {"name": name, "namespace": ns,
                        "annotations": {"user": user, "role": role}},
           "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                       "name": format!("kubeflow-{role}")},
           "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]})
}

fn snapshot(extra_profile: bool) -> Snapshot {
    lists(extra_profile).into()
}

/// The objects of [`snapshot`], to change before building it.
fn lists(extra_profile: bool) -> ObjectLists {
    let mut profiles = vec![
        profile("alpha", "ann@x.io"),
        profile("beta", "bob@x.io"),
        profile("gamma", "cid@x.io"),
    ];
    if extra_profile {
        profiles.push(profile("aardvark", "zed@x.io"));
    }
    let ns = |n: &str| -> Value { json!({"metadata": {"name": n}}) };
    ObjectLists {
        profiles: profiles.into_iter().map(from).collect(),
        namespaces: ["alpha", "beta", "gamma"]
            .iter()
            .map(|n| from(ns(n)))
            .collect(),
        role_bindings: vec![
            from(binding("alpha", "bob@x.io", "edit")),
            from(binding("gamma", "bob@x.io", "view")),
        ],
        cluster_role_bindings: vec![],
        cluster_roles: vec![
            from(json!({"metadata": {"name": "kubeflow-view"},
                "rules": [{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"], "verbs": ["get", "list", "watch"]}]})),
            from(json!({"metadata": {"name": "kubeflow-edit"},
                "rules": [{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"], "verbs": ["*"]}]})),
            from(json!({"metadata": {"name": "kubeflow-admin"},
                "rules": [{"apiGroups": ["kubeflow.org"], "resources": ["notebooks"], "verbs": ["*"]}]})),
        ],
        authorization_policies: None,
        resource_quotas: vec![],
        limit_ranges: vec![],
        forbidden: vec![],
    }
}

fn now() -> jiff::Timestamp {
    "2026-01-02T00:00:00Z".parse().unwrap()
}

/// A state that has received `snap` (read-only when `readonly`).
fn state_of(snap: Snapshot, readonly: bool) -> AppState {
    let mut s = AppState::new("ctx", "https://x", readonly, now());
    let fx = update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Snapshot(Box::new(snap)),
        },
    );
    assert!(fx.is_empty());
    s
}

fn loaded() -> AppState {
    state_of(snapshot(false), false)
}

fn key(s: &mut AppState, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(s: &mut AppState, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

fn selected(s: &AppState) -> String {
    s.table()
        .selected_row()
        .map(|r| r.id.clone())
        .unwrap_or_default()
}

#[test]
fn navigation_moves_and_clamps() {
    let mut s = loaded();
    assert_eq!(s.connection, Connection::Live);
    assert_eq!(selected(&s), "alpha");
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(selected(&s), "beta");
    key(&mut s, KeyCode::Char('G'));
    assert_eq!(selected(&s), "gamma");
    key(&mut s, KeyCode::Down);
    assert_eq!(selected(&s), "gamma", "clamped at the end");
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(selected(&s), "alpha");
    key(&mut s, KeyCode::Up);
    assert_eq!(selected(&s), "alpha", "clamped at the start");
    key(&mut s, KeyCode::PageDown);
    assert_eq!(selected(&s), "gamma");
}

#[test]
fn filter_is_live_invertible_and_esc_restores() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('/'));
    assert!(matches!(s.input, Input::Filter { .. }));
    typed(&mut s, "bob");
    // Only beta is owned by bob; contributors are not in the profile row text.
    assert_eq!(s.table().visible.len(), 1);
    assert_eq!(selected(&s), "beta");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.input, Input::None);
    assert_eq!(s.table().filter, "bob");
    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    typed(&mut s, "!alpha");
    assert_eq!(s.table().visible.len(), 2);
    key(&mut s, KeyCode::Esc);
    assert_eq!(
        s.table().filter,
        "bob",
        "Esc restores the filter from before editing"
    );
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.table().filter, "", "Esc in the list clears the filter");
    assert_eq!(s.table().visible.len(), 3);
}

#[test]
fn drill_down_and_back_restore_view_scope_and_selection() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(selected(&s), "gamma");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Users);
    assert_eq!(s.table().scope, Some(Scope::Profile("gamma".into())));
    let users: Vec<&str> = s
        .table()
        .visible
        .iter()
        .map(|i| s.table().rows[*i].id.as_str())
        .collect();
    assert_eq!(users, ["bob@x.io", "cid@x.io"]);
    // From bob, drill into his profiles: owner of beta, editor of alpha, viewer of gamma.
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Profiles);
    assert_eq!(s.table().scope, Some(Scope::User("bob@x.io".into())));
    assert_eq!(s.table().visible.len(), 3);
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view, ViewKind::Users);
    assert_eq!(selected(&s), "bob@x.io");
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.view, ViewKind::Profiles);
    assert_eq!(s.table().scope, None);
    assert_eq!(selected(&s), "gamma");
    // Backing out also lifts the drill-down's restriction from the Users view.
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(s.table().scope, None);
    assert_eq!(s.table().visible.len(), 3);
}

#[test]
fn views_switch_by_number_tab_and_command() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('3'));
    assert_eq!(s.view, ViewKind::Access);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.view, ViewKind::Roles);
    key(&mut s, KeyCode::BackTab);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.view, ViewKind::Users);
    key(&mut s, KeyCode::Char(':'));
    typed(&mut s, "doctor");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewKind::Doctor);
    key(&mut s, KeyCode::Char(':'));
    typed(&mut s, "nope");
    key(&mut s, KeyCode::Enter);
    assert!(
        s.status
            .as_deref()
            .unwrap()
            .contains("unknown command \"nope\"")
    );
    key(&mut s, KeyCode::Char(':'));
    typed(&mut s, "ctx other");
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(
        fx,
        [Effect::Watch {
            generation: 1,
            context: Some("other".into())
        }]
    );
    assert_eq!(s.header.context, "other");
    assert!(matches!(s.data, Data::Loading));
    assert_eq!(key(&mut s, KeyCode::Char('q')), [Effect::Quit]);
    assert!(s.quit);
}

#[test]
fn old_generations_never_overwrite_newer_data() {
    let mut s = loaded();
    let fx = key(&mut s, KeyCode::Char('r'));
    assert_eq!(
        fx,
        [Effect::Watch {
            generation: 1,
            context: None
        }]
    );
    assert_eq!(s.connection, Connection::Connecting);
    // A late answer of the replaced watch (generation 0) is dropped...
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Snapshot(Box::new(snapshot(true))),
        },
    );
    assert_eq!(s.table().rows.len(), 3);
    // ...the current one is taken.
    update(
        &mut s,
        Msg::Live {
            generation: 1,
            event: LiveEvent::Snapshot(Box::new(snapshot(true))),
        },
    );
    assert_eq!(s.table().rows.len(), 4);
}

#[test]
fn live_updates_keep_selection_and_filter_and_mark_stale_data() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('G'));
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "a");
    key(&mut s, KeyCode::Enter);
    assert_eq!(selected(&s), "gamma");
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Snapshot(Box::new(snapshot(true))),
        },
    );
    // aardvark sorts first, but the selection stays on gamma and the filter stays.
    assert_eq!(selected(&s), "gamma");
    assert_eq!(s.table().filter, "a");
    assert_eq!(s.table().visible.len(), 4);
    let trouble = ConnectionTrouble {
        message: "connection refused".into(),
        failures: 3,
    };
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Connection(Some(trouble.clone())),
        },
    );
    assert_eq!(s.connection, Connection::Trouble(trouble));
    assert!(s.stale(), "the last data stays, marked stale");
    assert_eq!(s.table().rows.len(), 4);
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Connection(None),
        },
    );
    assert!(!s.stale());
}

#[test]
fn unreadable_profiles_replace_the_views_with_the_reason() {
    let mut s = AppState::new("ctx", "https://x", false, now());
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::ProfilesUnavailable(ClusterError::CrdMissing {
                message: "the server does not serve profiles.kubeflow.org".into(),
            }),
        },
    );
    assert!(matches!(&s.data, Data::Unavailable(m) if m.contains("profiles.kubeflow.org")));
    assert_eq!(s.connection, Connection::Live, "the server answered");
}

/// `y` asks the runner for the objects behind the row; the answer fills the overlay.
fn yaml_requested(s: &mut AppState) -> (String, Vec<Value>) {
    let fx = key(s, KeyCode::Char('y'));
    let [Effect::FetchYaml { title, objects }] = fx.as_slice() else {
        panic!("no YAML request: {fx:?} {:?}", s.status);
    };
    assert!(
        matches!(&s.modal, Modal::Yaml { lines, .. } if lines[0].starts_with("reading")),
        "{:?}",
        s.modal
    );
    (title.clone(), objects.clone())
}

#[test]
fn yaml_overlay_reads_the_objects_and_hides_managed_fields() {
    let mut s = loaded();
    let (title, objects) = yaml_requested(&mut s);
    assert_eq!(title, "Profile alpha");
    assert_eq!(
        objects,
        [
            json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "alpha"}})
        ]
    );
    // The server's answer is the whole object.
    let mut live = profile("alpha", "ann@x.io");
    live["metadata"]["managedFields"] = json!([{"manager": "kubectl"}]);
    live["metadata"]["labels"] = json!({"team": "a"});
    update(
        &mut s,
        Msg::YamlReady {
            title: title.clone(),
            result: Ok(vec![live]),
        },
    );
    let Modal::Yaml { lines, .. } = &s.modal else {
        panic!("no YAML overlay: {:?}", s.modal);
    };
    assert!(lines.iter().any(|l| l == "kind: Profile"));
    assert!(lines.iter().any(|l| l.contains("team: a")));
    assert!(!lines.iter().any(|l| l.contains("managedFields")));
    key(&mut s, KeyCode::Char('j'));
    assert!(matches!(s.modal, Modal::Yaml { scroll: 1, .. }));
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.modal, Modal::None);
    // A late answer for a closed overlay changes nothing.
    update(
        &mut s,
        Msg::YamlReady {
            title,
            result: Ok(vec![profile("alpha", "ann@x.io")]),
        },
    );
    assert_eq!(s.modal, Modal::None);
    // The user's objects: bob's two RoleBindings and his Profile.
    key(&mut s, KeyCode::Char('2'));
    key(&mut s, KeyCode::Char('/'));
    typed(&mut s, "bob");
    key(&mut s, KeyCode::Enter);
    let (title, objects) = yaml_requested(&mut s);
    assert_eq!(title, "Objects granting access to bob@x.io");
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["Profile", "RoleBinding", "RoleBinding"]);
    // Deleted meanwhile: nothing to show, said so.
    update(
        &mut s,
        Msg::YamlReady {
            title,
            result: Ok(vec![]),
        },
    );
    assert_eq!(s.modal, Modal::None);
    assert!(s.status.as_deref().unwrap().contains("does not exist"));
}

#[test]
fn roles_compare_cycles_and_sort_toggles() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('4'));
    assert_eq!(s.table().headers, ["RESOURCE", "VIEW", "EDIT", "ADMIN"]);
    assert_eq!(
        s.table().rows[0].cells,
        ["notebooks.kubeflow.org", "read", "*", "*"]
    );
    key(&mut s, KeyCode::Char('c'));
    assert_eq!(s.table().headers[1], "EDIT ADDS OVER VIEW");
    assert_eq!(s.table().rows[0].cells[1], "*");
    key(&mut s, KeyCode::Char('c'));
    assert_eq!(s.table().headers[1], "ADMIN ADDS OVER EDIT");
    assert!(s.table().rows.is_empty());
    key(&mut s, KeyCode::Char('c'));
    assert_eq!(s.table().headers.len(), 4);
    key(&mut s, KeyCode::Char('1'));
    key(&mut s, KeyCode::Char('s'));
    key(&mut s, KeyCode::Char('S'));
    assert_eq!(s.table().sort, Some((0, true)));
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(selected(&s), "gamma");
    key(&mut s, KeyCode::Char('?'));
    assert!(matches!(s.modal, Modal::Help { .. }));
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.modal, Modal::None);
}

/// The editing layer: quota editor, role picker, staging, preview, apply, conflicts.
mod edit;

/// The live path at scale through the real watches.
mod live;

#[test]
fn the_access_matrix_holds_only_the_cells_that_are_set() {
    let mut s = loaded();
    key(&mut s, KeyCode::Char('3'));
    let bob = s.table().rows.iter().find(|r| r.id == "bob@x.io").unwrap();
    assert!(bob.cells.is_empty(), "no dense row of cells");
    assert_eq!(bob.levels, [(0, 'E'), (1, 'O'), (2, 'V')]);
    assert_eq!((bob.cell(0), bob.cell(1), bob.cell(2)), ("E", "O", "V"));
    let ann = s.table().rows.iter().find(|r| r.id == "ann@x.io").unwrap();
    assert_eq!((ann.cell(0), ann.cell(1)), ("O", "·"));
}

#[test]
fn of_several_queued_snapshots_only_the_newest_is_processed() {
    use kubectl_kubeflow::tui::keep_latest_snapshot;
    let snap = |extra| Msg::Live {
        generation: 0,
        event: LiveEvent::Snapshot(Box::new(snapshot(extra))),
    };
    let mut q = std::collections::VecDeque::from([
        snap(false),
        Msg::Key(KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE)),
        snap(false),
        Msg::Tick(now()),
        snap(true),
        Msg::Key(KeyEvent::new(KeyCode::Char('k'), KeyModifiers::NONE)),
    ]);
    keep_latest_snapshot(&mut q);
    let kinds: Vec<&str> = q
        .iter()
        .map(|m| match m {
            Msg::Live { .. } => "snapshot",
            Msg::Key(_) => "key",
            Msg::Tick(_) => "tick",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["key", "tick", "snapshot", "key"]);
    let Some(Msg::Live {
        event: LiveEvent::Snapshot(s),
        ..
    }) = q.get(2)
    else {
        panic!()
    };
    assert_eq!(s.profiles().count(), 4, "the newest one");
}
