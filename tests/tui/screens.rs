//! The TUI drawn into ratatui's TestBackend from the demo seed (the same data `demo` shows):
//! every view at 80x24 and wide, help, YAML, loading, CRD-missing, forbidden, lost
//! connection, too small, and NO_COLOR. The clock is fixed so ages are stable.
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubectl_kubeflow::cluster::snapshot::load_snapshot;
use kubectl_kubeflow::cluster::watch::{ConnectionTrouble, LiveEvent};
use kubectl_kubeflow::cluster::{Cluster, ClusterError, Identity};
use kubectl_kubeflow::sandbox::Seed;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow::tenancy::Snapshot;
use kubectl_kubeflow::tui::msg::{Effect, Msg};
use kubectl_kubeflow::tui::runner::fetch_yaml;
use kubectl_kubeflow::tui::state::AppState;
use kubectl_kubeflow::tui::update::update;
use kubectl_kubeflow::tui::view::render;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;

/// Before the seed: every age prints as `0s`.
fn fixed_now() -> jiff::Timestamp {
    "2000-01-01T00:00:00Z".parse().unwrap()
}

/// A demo sandbox and the admin's cluster handle on it.
async fn demo_cluster() -> (Sandbox, Cluster) {
    let sb = Sandbox::start(SandboxOptions {
        seed: Seed::Demo,
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let client = sb.client_for("sandbox-admin").await.unwrap();
    let cluster = Cluster::from_client(client, "sandbox", &sb.url());
    (sb, cluster)
}

async fn demo_snapshot() -> Snapshot {
    let (sb, cluster) = demo_cluster().await;
    let snap = load_snapshot(&cluster).await.unwrap();
    sb.shutdown().await;
    snap
}

fn state_with(snapshot: Snapshot) -> AppState {
    let mut s = AppState::new("sandbox", "https://127.0.0.1:6443", false, fixed_now());
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Snapshot(Box::new(snapshot)),
        },
    );
    update(
        &mut s,
        Msg::Identity {
            generation: 0,
            result: Ok(Identity {
                username: Some("sandbox-admin".into()),
                can_write: true,
            }),
        },
    );
    s
}

fn keys(s: &mut AppState, text: &str) {
    for c in text.chars() {
        let code = match c {
            '\n' => KeyCode::Enter,
            '\u{1b}' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
}

fn terminal(s: &mut AppState, w: u16, h: u16) -> Terminal<TestBackend> {
    update(s, Msg::Resize(w, h));
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| render(s, f)).unwrap();
    t
}

fn draw(s: &mut AppState, w: u16, h: u16) -> String {
    terminal(s, w, h).backend().to_string()
}

#[tokio::test]
async fn every_view_of_the_demo() {
    let mut s = state_with(demo_snapshot().await);
    insta::assert_snapshot!("profiles_80x24", draw(&mut s, 80, 24));
    insta::assert_snapshot!("profiles_160x45", draw(&mut s, 160, 45));
    keys(&mut s, "/genai\n");
    insta::assert_snapshot!("profiles_filtered_genai", draw(&mut s, 100, 30));
    keys(&mut s, "\n");
    insta::assert_snapshot!("users_of_genai", draw(&mut s, 100, 30));
    keys(&mut s, "\u{1b}\u{1b}2");
    insta::assert_snapshot!("users_80x24", draw(&mut s, 80, 24));
    keys(&mut s, "3");
    insta::assert_snapshot!("access_80x24", draw(&mut s, 80, 24));
    keys(&mut s, "jjllll");
    insta::assert_snapshot!("access_160x45_moved", draw(&mut s, 160, 45));
    keys(&mut s, "4");
    insta::assert_snapshot!("roles_80x24", draw(&mut s, 80, 24));
    keys(&mut s, "c");
    insta::assert_snapshot!("roles_compare_edit_view", draw(&mut s, 80, 24));
    keys(&mut s, "5");
    insta::assert_snapshot!("doctor_80x24", draw(&mut s, 80, 24));
    insta::assert_snapshot!("doctor_160x45", draw(&mut s, 160, 45));
    keys(&mut s, "?");
    insta::assert_snapshot!("help_80x24", draw(&mut s, 80, 24));
}

#[tokio::test]
async fn yaml_of_a_profile() {
    let (sb, cluster) = demo_cluster().await;
    let mut s = state_with(load_snapshot(&cluster).await.unwrap());
    keys(&mut s, "/vision\n");
    // `y` reads the object from the server, as the runner does.
    let fx = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    let [Effect::FetchYaml { title, objects }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let result = fetch_yaml(&cluster, objects).await;
    update(
        &mut s,
        Msg::YamlReady {
            title: title.clone(),
            result,
        },
    );
    sb.shutdown().await;
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#"creationTimestamp: "[^"]+""#, "creationTimestamp: [time]");
    settings.add_filter(r#"resourceVersion: "\d+""#, "resourceVersion: [rv]");
    settings.add_filter(r"uid: [0-9a-f-]{36}", "uid: [uid]");
    settings.bind(|| insta::assert_snapshot!("yaml_profile_vision", draw(&mut s, 80, 24)));
}

#[test]
fn loading_missing_crd_lost_connection_forbidden_and_too_small() {
    let mut s = AppState::new("prod", "https://k8s.example.com", true, fixed_now());
    insta::assert_snapshot!("loading", draw(&mut s, 80, 24));
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::ProfilesUnavailable(ClusterError::CrdMissing {
                message: "the server does not serve profiles.kubeflow.org: is Kubeflow installed on context \"prod\"?".into(),
            }),
        },
    );
    insta::assert_snapshot!("profile_crd_missing", draw(&mut s, 80, 24));

    let mut snap = Snapshot::default();
    snap.forbidden.push((
        "clusterroles.rbac.authorization.k8s.io".into(),
        "clusterroles.rbac.authorization.k8s.io is forbidden".into(),
    ));
    let mut s = state_with(snap);
    keys(&mut s, "4");
    insta::assert_snapshot!("roles_forbidden", draw(&mut s, 80, 24));
    update(
        &mut s,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Connection(Some(ConnectionTrouble {
                message: "cannot reach the Kubernetes API server https://k8s.example.com: connection refused".into(),
                failures: 4,
            })),
        },
    );
    update(&mut s, Msg::Tick("2000-01-01T00:00:42Z".parse().unwrap()));
    insta::assert_snapshot!("connection_lost_stale", draw(&mut s, 80, 24));
    insta::assert_snapshot!("too_small", draw(&mut s, 50, 10));
}

#[tokio::test]
async fn no_color_leaves_only_modifiers() {
    let mut s = state_with(demo_snapshot().await);
    keys(&mut s, "5");
    let colored = |t: &Terminal<TestBackend>| {
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset || c.bg != Color::Reset)
    };
    assert!(colored(&terminal(&mut s, 100, 30)));
    s.color = false;
    assert!(
        !colored(&terminal(&mut s, 100, 30)),
        "NO_COLOR still colored"
    );
}

/// The editing layer on the demo: the quota editor (valid, invalid, below usage, adding a
/// key), the staged panel, and the preview with a real plan and a dry-run refusal.
#[tokio::test]
async fn quota_editor_staged_panel_and_preview() {
    use kubectl_kubeflow::cluster::permission::PermissionCache;
    use kubectl_kubeflow::tui::edit::Check;
    use kubectl_kubeflow::tui::edit::command::{EditCommand, parse};
    use kubectl_kubeflow::tui::msg::Effect;
    use kubectl_kubeflow::tui::runner::plan;

    let (sb, cluster) = demo_cluster().await;
    let mut s = state_with(load_snapshot(&cluster).await.unwrap());
    keys(&mut s, "/fraud\ne");
    insta::assert_snapshot!("quota_editor", draw(&mut s, 100, 30));
    keys(&mut s, "\nx");
    insta::assert_snapshot!("quota_editor_invalid", draw(&mut s, 100, 30));
    for _ in 0..2 {
        update(
            &mut s,
            Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE)),
        );
    }
    keys(&mut s, "1\na");
    keys(&mut s, "requests.n");
    insta::assert_snapshot!("quota_editor_below_usage_adding", draw(&mut s, 100, 30));
    keys(&mut s, "\u{1b}\u{1b}");

    // Stage through the command line, plan for real against the sandbox.
    keys(&mut s, ":quota fraud cpu=1 pods=20\n");
    let Some(Ok(EditCommand::Stage(intent))) =
        parse("quota", "fraud cpu=1 pods=20", Default::default())
    else {
        panic!()
    };
    let id = s.staged.items[0].id;
    let planned = plan(&cluster, &intent, &PermissionCache::default()).await;
    update(
        &mut s,
        Msg::Planned {
            id,
            result: planned,
        },
    );
    keys(&mut s, "C");
    insta::assert_snapshot!("staged_panel", draw(&mut s, 100, 20));
    keys(&mut s, "\u{1b}");
    let fx = update(
        &mut s,
        Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::NONE)),
    );
    assert!(matches!(fx.as_slice(), [Effect::DryRun { .. }]));
    update(
        &mut s,
        Msg::Checked {
            id,
            checks: vec![Check {
                reference: "profile.kubeflow.org/fraud".into(),
                outcome: Err("admission webhook \"quota.example.com\" denied the request: cpu below team minimum".into()),
            }],
        },
    );
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r#"creationTimestamp: "[^"]+""#, "creationTimestamp: [time]");
    settings.add_filter(r#"resourceVersion: "\d+""#, "resourceVersion: [rv]");
    settings.add_filter(r"uid: [0-9a-f-]{36}", "uid: [uid]");
    settings.bind(|| insta::assert_snapshot!("preview_with_dry_run_error", draw(&mut s, 100, 40)));
    sb.shutdown().await;
}

/// The onboarding form on the demo: a derived name that collides with nothing, a preset, a
/// contributor with an unknown role (shown live), and the role picker over marked rows.
#[tokio::test]
async fn onboarding_form_and_role_picker() {
    let mut s = state_with(demo_snapshot().await);
    let press = |s: &mut AppState, code: KeyCode| {
        update(s, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    keys(&mut s, "n");
    keys(&mut s, "Noor.Haddad@acme.io");
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Right);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    keys(&mut s, "li.wei@acme.io:boss");
    insta::assert_snapshot!("onboarding_form", draw(&mut s, 100, 30));
    press(&mut s, KeyCode::Esc);
    keys(&mut s, "3/ahmed\n  llll");
    keys(&mut s, "t");
    insta::assert_snapshot!("role_picker_marked", draw(&mut s, 100, 30));
}

/// A refusal with its reason wraps over the bottom lines instead of being cut at the width.
#[tokio::test]
async fn long_refusals_wrap_instead_of_being_cut() {
    let mut s = state_with(demo_snapshot().await);
    keys(&mut s, ":quota fraud pods=0.5\n");
    let screen = draw(&mut s, 80, 24);
    let tail: String = screen.lines().rev().take(3).collect::<Vec<_>>().join(" ");
    assert!(tail.contains("integer"), "{screen}");
}

/// `assets/screens/render.py` (the pictures in the README) turns a colour capture into an
/// SVG with the text, colours and attributes of each run, and a set of frames into an
/// asciinema recording plus an animated SVG.
#[test]
fn screen_pictures_render_colours_text_and_frames() {
    if std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("skipped: python3 is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ansi = dir.path().join("s.ansi");
    std::fs::write(
        &ansi,
        "\x1b[1m\x1b[38;5;6m kubectl-kubeflow \x1b[0m\x1b[38;5;2m● live\x1b[39m\n\x1b[7m <ok> \x1b[0m a<b\n",
    )
    .unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/screens/render.py");
    let svg = dir.path().join("s.svg");
    let status = std::process::Command::new("python3")
        .args([script, "svg"])
        .arg(&ansi)
        .arg(&svg)
        .status()
        .unwrap();
    assert!(status.success());
    let svg = std::fs::read_to_string(&svg).unwrap();
    assert!(
        svg.contains(r##"fill="#5fafaf""##) && svg.contains(r#"font-weight="bold""#),
        "{svg}"
    );
    assert!(
        svg.contains(">● live</text>") && svg.contains("a&lt;b"),
        "{svg}"
    );
    assert!(
        svg.contains("&lt;ok&gt;") && svg.contains("<rect x="),
        "reverse video: {svg}"
    );

    let (cast, anim) = (dir.path().join("r.cast"), dir.path().join("r.svg"));
    let status = std::process::Command::new("python3")
        .args([script, "cast"])
        .args([&cast, &anim])
        .arg(format!("1.5:{}", ansi.display()))
        .arg(format!("2:{}", ansi.display()))
        .status()
        .unwrap();
    assert!(status.success());
    let cast = std::fs::read_to_string(&cast).unwrap();
    let lines: Vec<&str> = cast.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two frames: {cast}");
    assert!(
        lines[0].contains(r#""version": 2"#) && lines[2].starts_with("[1.5, \"o\""),
        "{cast}"
    );
    let anim = std::fs::read_to_string(&anim).unwrap();
    assert!(
        anim.contains("@keyframes f1") && anim.contains("3.50s"),
        "{anim}"
    );
}
