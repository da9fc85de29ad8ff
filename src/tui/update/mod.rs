//! `update(state, msg) -> effects`: the only code that changes [`AppState`]. Synchronous, no
//! I/O; YAML for the overlay is rendered here so `view` only draws.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::edit::command as edit_command;
use super::field::Field;
use super::keymap::{Action, Context, lookup};
use super::msg::{Effect, Msg};
use super::rows;
use super::state::{AppState, ConfirmAction, Connection, Data, Input, Modal, ReadOnly, ViewKind};
use crate::cluster::watch::LiveEvent;
use crate::model::Role;
use crate::tenancy::{Snapshot, Tenancy};

pub(crate) mod flow;
mod navigate;

use navigate::{mark, navigate};

/// Applies one message; returns the I/O to start.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            on_tick(state, now);
            Vec::new()
        }
        Msg::Connected {
            generation,
            context,
            server,
        } if generation == state.generation => {
            state.header.context = context;
            state.header.server = server;
            Vec::new()
        }
        Msg::ConnectFailed { generation, error } if generation == state.generation => {
            state.data = Data::Unavailable(error);
            Vec::new()
        }
        Msg::Live { generation, event } if generation == state.generation => {
            on_live(state, event);
            Vec::new()
        }
        Msg::Identity { generation, result } if generation == state.generation => {
            on_identity(state, result);
            Vec::new()
        }
        Msg::Planned { id, result } => {
            flow::on_planned(state, id, result);
            Vec::new()
        }
        Msg::YamlReady { title, result } => {
            super::objects::yaml_ready(state, title, result);
            Vec::new()
        }
        Msg::HistoryReady { result } => {
            on_history(state, result);
            Vec::new()
        }
        Msg::EditReady { result } => flow::on_edit_ready(state, result),
        Msg::Edited { before, result } => flow::on_edited(state, before, result),
        Msg::Inspected { intent, result } => {
            flow::on_inspected(state, intent, result);
            Vec::new()
        }
        Msg::Checked { id, checks } => {
            flow::on_checked(state, id, checks);
            Vec::new()
        }
        Msg::Applied { id, outcome } => flow::on_applied(state, id, outcome),
        Msg::ApplyDone => {
            flow::on_apply_done(state);
            Vec::new()
        }
        // A message from a watch generation that was replaced (refresh, :ctx): dropped, so
        // an old answer never overwrites a newer one.
        Msg::Connected { .. }
        | Msg::ConnectFailed { .. }
        | Msg::Live { .. }
        | Msg::Identity { .. } => Vec::new(),
    }
}

/// The clock: ages ("5m") in the profiles view change once a minute.
fn on_tick(state: &mut AppState, now: jiff::Timestamp) {
    let minute = |t: jiff::Timestamp| t.as_second() / 60;
    let old = std::mem::replace(&mut state.now, now);
    if minute(old) != minute(now) {
        rebuild(state, &[ViewKind::Profiles]);
    }
}

/// Who the user is, and whether they may write (unless `--read-only` decided it).
fn on_identity(state: &mut AppState, result: Result<crate::cluster::Identity, String>) {
    match result {
        Ok(id) => {
            state.header.user = id.username;
            if state.header.read_only != ReadOnly::Flag {
                state.header.read_only = if id.can_write {
                    ReadOnly::Writable
                } else {
                    ReadOnly::NoPermission
                };
            }
        }
        Err(e) => state.status = Some(format!("cannot tell who you are: {e}")),
    }
}

/// The journal's change sets, into the overlay still waiting for them.
fn on_history(state: &mut AppState, result: Result<Vec<String>, super::edit::Failure>) {
    let waiting = matches!(&state.modal, Modal::Yaml { title, .. } if title == HISTORY_TITLE);
    if !waiting {
        return; // the overlay was closed meanwhile
    }
    state.modal = match result {
        Ok(lines) => Modal::Yaml {
            title: HISTORY_TITLE.into(),
            lines,
            scroll: 0,
        },
        Err(f) => {
            state.status = Some(format!("history: {}", f.message));
            Modal::None
        }
    };
}

fn on_live(state: &mut AppState, event: LiveEvent) {
    match event {
        LiveEvent::Snapshot(snapshot) => {
            let tenancy = Arc::new(Tenancy::build(&snapshot));
            ready(state, Arc::from(snapshot), tenancy);
        }
        LiveEvent::Built { snapshot, tenancy } => ready(state, snapshot, tenancy),
        LiveEvent::ProfilesUnavailable(e) => {
            // The server answered: connected, just without readable profiles.
            if state.connection == Connection::Connecting {
                state.connection = Connection::Live;
            }
            state.data = Data::Unavailable(e.to_string());
        }
        LiveEvent::Connection(None) => state.connection = Connection::Live,
        LiveEvent::Connection(Some(trouble)) => state.connection = Connection::Trouble(trouble),
    }
}

/// New data arrived: shown, rows rebuilt (selection, filter and sort kept).
fn ready(state: &mut AppState, snapshot: Arc<Snapshot>, tenancy: Arc<Tenancy>) {
    state.data = Data::Ready { tenancy, snapshot };
    state.data_at = Some(state.now);
    if state.connection == Connection::Connecting {
        state.connection = Connection::Live;
    }
    rebuild(state, &ViewKind::ALL);
}

/// Recomputes the rows of `views` from the model (selection, filter and sort are kept).
fn rebuild(state: &mut AppState, views: &[ViewKind]) {
    let Data::Ready { tenancy, .. } = &state.data else {
        return;
    };
    let tenancy = Arc::clone(tenancy);
    for v in views {
        let table = &mut state.tables[v.index()];
        let keep = table.selected_row().map(|r| r.id.clone());
        let old = std::mem::take(&mut table.rows);
        let built = match v {
            ViewKind::Profiles => rows::profiles(&tenancy, state.now, old),
            ViewKind::Users => rows::users(&tenancy, old),
            ViewKind::Access => rows::access(&tenancy, old, &table.headers),
            ViewKind::Roles => rows::roles(&tenancy, state.compare, old, &table.headers),
            ViewKind::Doctor => rows::doctor(&tenancy, old),
        };
        table.built = built.built;
        table.headers = built.headers;
        table.rows = built.rows;
        table.refresh(keep.as_deref());
    }
    let cols = state.tables[ViewKind::Access.index()].headers.len();
    state.access_col = state.access_col.min(cols.saturating_sub(1));
}

/// The key contexts active now, most specific first (for lookup and the footer hints).
pub fn contexts(state: &AppState) -> Vec<Context> {
    if let Some(c) = flow::contexts(&state.modal) {
        return c;
    }
    if state.modal != Modal::None {
        return vec![Context::Overlay, Context::Global];
    }
    let mut c = Vec::new();
    match state.view {
        ViewKind::Access => c.push(Context::Access),
        ViewKind::Roles => c.push(Context::Roles),
        ViewKind::Profiles => c.push(Context::Profiles),
        ViewKind::Doctor => c.push(Context::Doctor),
        _ => {}
    }
    c.extend([Context::List, Context::Global]);
    c
}

fn on_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
        state.quit = true;
        return vec![Effect::Quit];
    }
    if state.input != Input::None {
        return on_input(state, key);
    }
    if let Some(effects) = flow::on_key(state, key) {
        return effects;
    }
    let Some(action) = lookup(&contexts(state), &key) else {
        return Vec::new();
    };
    state.status = None;
    if state.modal != Modal::None {
        return on_overlay(state, action);
    }
    on_action(state, action)
}

fn on_overlay(state: &mut AppState, action: Action) -> Vec<Effect> {
    let page = usize::from(state.size.1.saturating_sub(4)).max(1);
    let (scroll, len) = match &mut state.modal {
        Modal::Help { scroll } => (scroll, usize::MAX / 2),
        Modal::Yaml { scroll, lines, .. } => {
            let len = lines.len();
            (scroll, len)
        }
        Modal::Text { scroll, lines, .. } => {
            let len = lines.len();
            (scroll, len)
        }
        _ => return Vec::new(),
    };
    let last = len.saturating_sub(1);
    match action {
        Action::Close => state.modal = Modal::None,
        Action::Help => state.modal = Modal::None,
        Action::Up => *scroll = scroll.saturating_sub(1),
        Action::Down => *scroll = (*scroll + 1).min(last),
        Action::PageUp => *scroll = scroll.saturating_sub(page),
        Action::PageDown => *scroll = (*scroll + page).min(last),
        Action::Top => *scroll = 0,
        Action::Bottom => *scroll = last,
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::Staged => state.modal = Modal::Staged { selected: 0 },
        Action::Preview => return flow::open_preview(state),
        _ => {}
    }
    Vec::new()
}

fn on_action(state: &mut AppState, action: Action) -> Vec<Effect> {
    if let Some(effects) = on_edit(state, action) {
        return effects;
    }
    match action {
        Action::Quit if !state.staged.is_empty() => {
            state.modal = Modal::Confirm {
                prompt: format!(
                    "{} staged change(s) were not applied and will be lost. Quit anyway? y quits, any other key stays",
                    state.staged.len()
                ),
                action: ConfirmAction::Quit,
            };
        }
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => state.modal = Modal::Help { scroll: 0 },
        Action::Mark => mark(state),
        Action::Staged => state.modal = Modal::Staged { selected: 0 },
        Action::Preview => return flow::open_preview(state),
        Action::Command => state.input = Input::Command(Field::default()),
        Action::Filter => {
            let previous = state.table().filter.clone();
            let field = Field::new(&previous);
            state.input = Input::Filter { previous, field };
        }
        Action::Refresh => return restart(state, None),
        Action::Yaml => return super::objects::yaml(state),
        Action::Compare => {
            state.compare = match state.compare {
                None => Some((Role::Edit, Role::View)),
                Some((Role::Edit, Role::View)) => Some((Role::Admin, Role::Edit)),
                Some(_) => None,
            };
            rebuild(state, &[ViewKind::Roles]);
        }
        other => navigate(state, other),
    }
    Vec::new()
}

/// The keys that open an editor or stage a change; `None` for any other key. While edits
/// are refused, the keys stay in the key table and the help and say here why.
fn on_edit(state: &mut AppState, action: Action) -> Option<Vec<Effect>> {
    let open: fn(&mut AppState) -> Vec<Effect> = match action {
        Action::EditQuota => |s| opened(flow::open_quota_editor, s),
        Action::SetRole => |s| opened(flow::open_role_picker, s),
        Action::Onboard => |s| opened(flow::open_onboard, s),
        Action::AddContributor => |s| opened(flow::open_contributor, s),
        Action::Offboard => flow::open_danger,
        Action::EditYaml => flow::open_yaml_edit,
        Action::Fix => |s| flow::stage_fixes(s, false),
        Action::FixAll => |s| flow::stage_fixes(s, true),
        _ => return None,
    };
    if let Some(reason) = flow::read_only_reason(state) {
        state.status = Some(reason);
        return Some(Vec::new());
    }
    Some(open(state))
}

/// An editor that opens without starting any I/O.
fn opened(open: fn(&mut AppState), state: &mut AppState) -> Vec<Effect> {
    open(state);
    Vec::new()
}

fn restart(state: &mut AppState, context: Option<String>) -> Vec<Effect> {
    state.generation += 1;
    state.connection = Connection::Connecting;
    if let Some(ctx) = &context {
        state.header.context = ctx.clone();
        state.header.user = None;
        if state.header.read_only != ReadOnly::Flag {
            state.header.read_only = ReadOnly::Unknown;
        }
        state.data = Data::Loading;
        state.history.clear();
        for t in &mut state.tables {
            t.set_rows(Vec::new(), Vec::new());
            t.scope = None;
            t.marked.clear();
        }
    }
    vec![Effect::Watch {
        generation: state.generation,
        context,
    }]
}

fn on_input(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    match (&mut state.input, key.code) {
        (Input::Filter { previous, .. }, KeyCode::Esc) => {
            let previous = std::mem::take(previous);
            state.input = Input::None;
            set_filter(state, previous);
        }
        (Input::Filter { .. }, KeyCode::Enter) => state.input = Input::None,
        (Input::Filter { field, .. }, _) => {
            if field.input(key) {
                let text = field.text().to_string();
                set_filter(state, text);
            }
        }
        (Input::Command(_), KeyCode::Esc) => state.input = Input::None,
        (Input::Command(field), KeyCode::Enter) => {
            let text = field.text().to_string();
            state.input = Input::None;
            return command(state, text.trim());
        }
        (Input::Command(field), _) => {
            field.input(key);
        }
        (Input::None, _) => {}
    }
    Vec::new()
}

fn set_filter(state: &mut AppState, filter: String) {
    let t = state.table_mut();
    t.filter = filter;
    let keep = t.selected_row().map(|r| r.id.clone());
    t.refresh(keep.as_deref());
}

/// The title of the journal overlay.
const HISTORY_TITLE: &str = "history: change sets applied on this context (newest last)";

fn command(state: &mut AppState, text: &str) -> Vec<Effect> {
    let (cmd, arg) = match text.split_once(char::is_whitespace) {
        Some((c, a)) => (c, a.trim()),
        None => (text, ""),
    };
    if let Some(v) = ViewKind::from_command(cmd) {
        state.view = v;
        return Vec::new();
    }
    match edit_command::parse(cmd, arg, state.user_ids) {
        Some(Ok(c)) => return flow::command(state, c),
        Some(Err(e)) => {
            state.status = Some(format!(":{cmd}: {e}; nothing was staged"));
            return Vec::new();
        }
        None => {}
    }
    match cmd {
        "q" | "quit" | "q!" => {
            state.quit = true;
            vec![Effect::Quit]
        }
        "ctx" | "context" if !arg.is_empty() && !state.staged.is_empty() => {
            state.status = Some(format!(
                "{} change(s) are staged for context {}: apply them or :discard them before switching",
                state.staged.len(),
                state.header.context
            ));
            Vec::new()
        }
        "ctx" | "context" if !arg.is_empty() => restart(state, Some(arg.to_string())),
        "ctx" | "context" => {
            state.status = Some(format!(
                "current context: {} (switch with :ctx NAME)",
                state.header.context
            ));
            Vec::new()
        }
        "history" => {
            state.modal = Modal::Yaml {
                title: HISTORY_TITLE.into(),
                lines: vec!["reading the journal…".into()],
                scroll: 0,
            };
            vec![Effect::History]
        }
        "" => Vec::new(),
        other => {
            state.status = Some(format!(
                "unknown command {other:?}: try :profiles :users :access :roles :doctor :ctx NAME :q, or {}",
                edit_command::USAGE
            ));
            Vec::new()
        }
    }
}
