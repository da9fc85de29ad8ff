//! In-process pieces of the TUI and the read commands at organisation scale (the sandbox's
//! `scale:N` seed, default 5,000 profiles / 15,000 users): reading the snapshot, building the
//! model, one watch event (another client's grant) applied incrementally and handed to the
//! UI, building every view's rows, a filter keystroke over the Users view, and one frame drawn
//! into ratatui's TestBackend; plus the heap the snapshot, the model and the rows hold.
//! Prints median and slowest (p99 for the keystrokes) of several runs, and the sandbox's LIST
//! throughput measured in the same run. Run with `cargo bench --bench model`
//! (`SCALE=20000 cargo bench --bench model` for another size).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::alloc::{GlobalAlloc, Layout};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kubectl_kubeflow::cluster::Cluster;
use kubectl_kubeflow::cluster::snapshot::load_snapshot;
use kubectl_kubeflow::cluster::watch::LiveEvent;
use kubectl_kubeflow::manifest::{IstioSettings, contributor_pair};
use kubectl_kubeflow::model::{Email, ProfileName, Role, Subject};
use kubectl_kubeflow::sandbox::Seed;
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions};
use kubectl_kubeflow::tenancy::{
    Binding, Model, Object, Policy, Snapshot, Tenancy, Touched, diagnose,
};
use kubectl_kubeflow::tui::msg::Msg;
use kubectl_kubeflow::tui::rows;
use kubectl_kubeflow::tui::state::{AppState, ViewKind};
use kubectl_kubeflow::tui::update::update;
use kubectl_kubeflow::tui::view::render;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const RUNS: usize = 7;

/// The binary's allocator (src/main.rs), counting the bytes in use.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        IN_USE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        IN_USE.fetch_add(new, Ordering::Relaxed);
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Median and maximum of `runs` timings of `f`, in milliseconds.
fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            std::hint::black_box(f());
            t0.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[(v.len() * 99 / 100).min(v.len() - 1)])
}

fn report(what: &str, (median, max): (f64, f64)) {
    println!("{what:<52} median {median:>9.3} ms   max/p99 {max:>9.3} ms");
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn built(state: &mut AppState, snapshot: Arc<Snapshot>, tenancy: Arc<Tenancy>) {
    update(
        state,
        Msg::Live {
            generation: 0,
            event: LiveEvent::Built { snapshot, tenancy },
        },
    );
}

fn loaded_state(snapshot: &Snapshot) -> AppState {
    let mut state = AppState::new("bench", "https://127.0.0.1", false, jiff::Timestamp::now());
    state.size = (160, 45);
    built(
        &mut state,
        Arc::new(snapshot.clone()),
        Arc::new(Tenancy::build(snapshot)),
    );
    state
}

/// The objects another client's `grant USER --role view --profile P` creates.
fn grant(profile: &str, user: &str) -> [Object; 2] {
    let pair = contributor_pair(
        &ProfileName::parse(profile).unwrap(),
        &Subject::User(Email::parse(user).unwrap()),
        Role::View,
        &IstioSettings::default(),
    )
    .unwrap();
    [
        Object::RoleBinding(Arc::new(Binding::from(&pair.role_binding))),
        Object::AuthorizationPolicy(Arc::new(Policy::from(&pair.policy))),
    ]
}

/// LIST throughput of the sandbox for the biggest list the model reads, measured here so
/// every figure above has the server's speed next to it.
async fn sandbox_lists(client: kube::Client) {
    use k8s_openapi::api::rbac::v1::RoleBinding;
    use kube::api::{Api, ListParams};
    let api: Api<RoleBinding> = Api::all(client);
    let mut pages = 0u32;
    let t0 = Instant::now();
    for _ in 0..3 {
        let mut params = ListParams::default().limit(500);
        loop {
            let page = api.list(&params).await.unwrap();
            pages += 1;
            match page.metadata.continue_.filter(|t| !t.is_empty()) {
                Some(t) => params = ListParams::default().limit(500).continue_token(&t),
                None => break,
            }
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "sandbox LIST rolebindings (pages of 500, decoded by kube): {:.0} pages/s, {:.0} ms per full list",
        f64::from(pages) / secs,
        secs * 1000.0 / 3.0
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let n: usize = std::env::var("SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5000);
    let sandbox = Sandbox::start(SandboxOptions {
        seed: Seed::Scale(n),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let client = sandbox.client_for("sandbox-admin").await.unwrap();
    sandbox_lists(client.clone()).await;
    let cluster = Cluster::from_client(client, "bench", &sandbox.url());
    let t0 = Instant::now();
    let snapshot = load_snapshot(&cluster).await.unwrap();
    let read = t0.elapsed();
    // What a snapshot holds: measured by dropping one (the in-process sandbox allocates
    // while serving, so the growth during the read is not the snapshot's).
    let second = load_snapshot(&cluster).await.unwrap();
    let before = IN_USE.load(Ordering::Relaxed);
    drop(second);
    let held = before.saturating_sub(IN_USE.load(Ordering::Relaxed));
    println!(
        "scale:{n}: {} profiles, {} users, {} objects; snapshot read in {:.0} ms, holds {:.1} MiB",
        snapshot.profiles().count(),
        Tenancy::build(&snapshot).users().len(),
        snapshot.len(),
        read.as_secs_f64() * 1000.0,
        mib(held)
    );

    report("doctor (diagnose)", time(RUNS, || diagnose(&snapshot)));
    report(
        "model, full build (Tenancy::build)",
        time(RUNS, || Tenancy::build(&snapshot)),
    );
    let before = IN_USE.load(Ordering::Relaxed);
    let mut model = Model::default();
    model.update(&snapshot, &Touched::everything());
    println!(
        "model holds {:.1} MiB",
        mib(IN_USE.load(Ordering::Relaxed).saturating_sub(before))
    );
    let tenancy = Tenancy::build(&snapshot);
    let now = jiff::Timestamp::now();
    report(
        "rows: profiles",
        time(RUNS, || rows::profiles(&tenancy, now, Vec::new()).built),
    );
    report(
        "rows: users",
        time(RUNS, || rows::users(&tenancy, Vec::new()).built),
    );
    report(
        "rows: access matrix",
        time(RUNS, || rows::access(&tenancy, Vec::new(), &[]).built),
    );
    report(
        "rows: doctor",
        time(RUNS, || rows::doctor(&tenancy, Vec::new()).built),
    );
    let before = IN_USE.load(Ordering::Relaxed);
    let mut state = loaded_state(&snapshot);
    println!(
        "UI state with every view's rows holds {:.1} MiB more",
        mib(IN_USE.load(Ordering::Relaxed).saturating_sub(before))
    );
    report(
        "first snapshot handed to the UI (all rows built)",
        time(RUNS, || loaded_state(&snapshot)),
    );

    // Another client's grant: two watch events, applied to the snapshot, the model updated
    // with what they touched, the result handed to the UI (rows reused where unchanged).
    let profile = snapshot.profiles().nth(n / 2).unwrap().id.name.to_string();
    let mut live = snapshot.clone();
    let mut i = 0usize;
    let mut stats = Default::default();
    let incremental = time(RUNS, || {
        i += 1;
        let mut touched = Touched::default();
        for o in grant(&profile, &format!("bench{i}@example.com")) {
            live.apply(o, false, &mut touched);
        }
        stats = model.update(&live, &touched);
        (Arc::new(live.clone()), Arc::new(model.tenancy().clone()))
    });
    report("one grant: model update (incremental)", incremental);
    println!(
        "  recomputed: {} space(s), {} user row(s), {} profile row(s)",
        stats.spaces, stats.users, stats.profile_rows
    );
    let mut j = 0usize;
    let handover = time(RUNS, || {
        j += 1;
        let mut touched = Touched::default();
        for o in grant(&profile, &format!("ui{j}@example.com")) {
            live.apply(o, false, &mut touched);
        }
        model.update(&live, &touched);
        built(
            &mut state,
            Arc::new(live.clone()),
            Arc::new(model.tenancy().clone()),
        );
    });
    report("one grant: model update + UI rows", handover);
    let rebuilt: Vec<String> = ViewKind::ALL
        .iter()
        .map(|v| format!("{} {}", v.title(), state.tables[v.index()].built))
        .collect();
    println!("  rows built: {}", rebuilt.join(", "));

    // A filter keystroke over the Users view (15,000 rows at scale:5000), then its frame.
    let mut state = loaded_state(&snapshot);
    update(&mut state, key('2'));
    update(&mut state, key('/'));
    let backend = TestBackend::new(160, 45);
    let mut terminal = Terminal::new(backend).unwrap();
    let mut typed = 0usize;
    let keystroke = time(200, || {
        // Alternately narrow and widen the filter: `member0` then back to `member`.
        let msg = if typed.is_multiple_of(2) {
            key(char::from(b'0' + (typed / 2 % 10) as u8))
        } else {
            Msg::Key(KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE))
        };
        typed += 1;
        update(&mut state, msg);
        terminal.draw(|f| render(&state, f)).unwrap();
    });
    report("filter keystroke -> frame (Users)", keystroke);
    for (view, label) in [('1', "Profiles"), ('2', "Users"), ('3', "Access")] {
        let mut state = loaded_state(&snapshot);
        update(&mut state, key(view));
        report(
            &format!("one frame render ({label})"),
            time(200, || terminal.draw(|f| render(&state, f)).unwrap().area),
        );
    }
    sandbox.shutdown().await;
}
