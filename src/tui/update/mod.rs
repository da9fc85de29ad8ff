//! `update(state, msg) -> effects`: the only code that changes [`AppState`]. Synchronous, no
//! I/O; YAML for the overlay is rendered here so `view` only draws.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::edit::{command as edit_command, flow};
use super::field::Field;
use super::keymap::{Action, Context, lookup};
use super::msg::{Effect, Msg};
use super::rows;
use super::state::{
    AppState, ConfirmAction, Connection, Data, Input, Modal, Place, ReadOnly, Scope, ViewKind,
};
use crate::cluster::watch::LiveEvent;
use crate::model::Role;
use crate::tenancy::{Snapshot, Tenancy};

/// Applies one message; returns the I/O to start.
pub fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(key) => on_key(state, key),
        Msg::Resize(w, h) => {
            state.size = (w, h);
            Vec::new()
        }
        Msg::Tick(now) => {
            let minute = |t: jiff::Timestamp| t.as_second() / 60;
            let old = std::mem::replace(&mut state.now, now);
            if minute(old) != minute(now) {
                rebuild(state, &[ViewKind::Profiles]);
            }
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
            let waiting =
                matches!(&state.modal, Modal::Yaml { title, .. } if title == HISTORY_TITLE);
            if !waiting {
                return Vec::new(); // the overlay was closed meanwhile
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
    // The edit keys stay in the key table and the help, and say here why they refuse.
    let edits = matches!(
        action,
        Action::EditQuota
            | Action::SetRole
            | Action::Onboard
            | Action::Offboard
            | Action::AddContributor
            | Action::EditYaml
            | Action::Fix
            | Action::FixAll
    );
    if edits && let Some(reason) = flow::read_only_reason(state) {
        state.status = Some(reason);
        return Vec::new();
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
        Action::EditQuota => flow::open_quota_editor(state),
        Action::SetRole => flow::open_role_picker(state),
        Action::Onboard => flow::open_onboard(state),
        Action::Offboard => return flow::open_danger(state),
        Action::AddContributor => flow::open_contributor(state),
        Action::EditYaml => return flow::open_yaml_edit(state),
        Action::Mark => mark(state),
        Action::Fix => return flow::stage_fixes(state, false),
        Action::FixAll => return flow::stage_fixes(state, true),
        Action::Staged => state.modal = Modal::Staged { selected: 0 },
        Action::Preview => return flow::open_preview(state),
        Action::NextView => switch(state, (state.view.index() + 1) % ViewKind::ALL.len()),
        Action::PrevView => switch(
            state,
            (state.view.index() + ViewKind::ALL.len() - 1) % ViewKind::ALL.len(),
        ),
        Action::View(i) => switch(state, i),
        Action::Command => state.input = Input::Command(Field::default()),
        Action::Filter => {
            let previous = state.table().filter.clone();
            let field = Field::new(&previous);
            state.input = Input::Filter { previous, field };
        }
        Action::Refresh => return restart(state, None),
        Action::Up => state.table_mut().move_by(-1),
        Action::Down => state.table_mut().move_by(1),
        Action::PageUp => {
            let page = page_size(state);
            state.table_mut().move_by(-page);
        }
        Action::PageDown => {
            let page = page_size(state);
            state.table_mut().move_by(page);
        }
        Action::Top => state.table_mut().selected = 0,
        Action::Bottom => {
            let t = state.table_mut();
            t.selected = t.visible.len().saturating_sub(1);
        }
        Action::Enter => drill(state),
        Action::Back => back(state),
        Action::Sort => {
            let cols = state.table().headers.len();
            let t = state.table_mut();
            t.sort = match t.sort {
                None if cols > 0 => Some((0, false)),
                Some((c, d)) if c + 1 < cols => Some((c + 1, d)),
                _ => None,
            };
            let keep = t.selected_row().map(|r| r.id.clone());
            t.refresh(keep.as_deref());
        }
        Action::ReverseSort => {
            let t = state.table_mut();
            t.sort = Some(t.sort.map_or((0, true), |(c, d)| (c, !d)));
            let keep = t.selected_row().map(|r| r.id.clone());
            t.refresh(keep.as_deref());
        }
        Action::Yaml => return super::objects::yaml(state),
        Action::Left => state.access_col = state.access_col.saturating_sub(1),
        Action::Right => {
            let cols = state.tables[ViewKind::Access.index()].headers.len();
            state.access_col = (state.access_col + 1).min(cols.saturating_sub(1));
        }
        Action::Compare => {
            state.compare = match state.compare {
                None => Some((Role::Edit, Role::View)),
                Some((Role::Edit, Role::View)) => Some((Role::Admin, Role::Edit)),
                Some(_) => None,
            };
            rebuild(state, &[ViewKind::Roles]);
        }
        _ => {}
    }
    Vec::new()
}

/// Rows per page: as drawn last, or estimated from the terminal height before the first draw.
fn page_size(state: &AppState) -> isize {
    let page = match state.table().page.get() {
        0 => usize::from(state.size.1.saturating_sub(8)),
        p => p,
    };
    isize::try_from(page.max(1)).unwrap_or(isize::MAX)
}

fn switch(state: &mut AppState, index: usize) {
    if let Some(v) = ViewKind::ALL.get(index) {
        state.view = *v;
    }
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

fn go(state: &mut AppState, view: ViewKind, scope: Option<Scope>, select: Option<&str>) {
    state.history.push(Place {
        view: state.view,
        scope: state.table().scope.clone(),
        selected: state.table().selected_row().map(|r| r.id.clone()),
        replaced: state.tables[view.index()].scope.clone(),
    });
    state.view = view;
    let t = state.table_mut();
    t.scope = scope;
    t.filter.clear();
    t.selected = 0;
    t.refresh(select);
}

fn drill(state: &mut AppState) {
    let Some(row) = state.table().selected_row().cloned() else {
        return;
    };
    match state.view {
        ViewKind::Profiles => go(state, ViewKind::Users, Some(Scope::Profile(row.id)), None),
        ViewKind::Users => go(state, ViewKind::Profiles, Some(Scope::User(row.id)), None),
        ViewKind::Access => {
            let profile = state.table().headers.get(state.access_col).cloned();
            if let Some(p) = profile {
                go(state, ViewKind::Profiles, None, Some(&p));
            }
        }
        ViewKind::Doctor => {
            if let Some(p) = row.links.first() {
                go(state, ViewKind::Profiles, None, Some(p));
            } else {
                state.status = Some("this finding is not about one profile".into());
            }
        }
        ViewKind::Roles => {}
    }
}

fn mark(state: &mut AppState) {
    if !matches!(
        state.view,
        ViewKind::Users | ViewKind::Profiles | ViewKind::Access
    ) {
        state.status = Some("Space marks users or profiles (Users, Profiles, Access views)".into());
        return;
    }
    let t = state.table_mut();
    if let Some(id) = t.selected_row().map(|r| r.id.clone())
        && !t.marked.remove(&id)
    {
        t.marked.insert(id);
    }
    t.move_by(1);
}

fn back(state: &mut AppState) {
    if !state.table().marked.is_empty() {
        state.table_mut().marked.clear();
        return;
    }
    if !state.table().filter.is_empty() {
        let t = state.table_mut();
        t.filter.clear();
        let keep = t.selected_row().map(|r| r.id.clone());
        t.refresh(keep.as_deref());
        return;
    }
    match state.history.pop() {
        Some(p) => {
            let t = state.table_mut();
            t.scope = p.replaced;
            let keep = t.selected_row().map(|r| r.id.clone());
            t.refresh(keep.as_deref());
            state.view = p.view;
            let t = state.table_mut();
            t.scope = p.scope;
            t.refresh(p.selected.as_deref());
        }
        None if state.table().scope.is_some() => {
            let t = state.table_mut();
            t.scope = None;
            let keep = t.selected_row().map(|r| r.id.clone());
            t.refresh(keep.as_deref());
        }
        None => {}
    }
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
