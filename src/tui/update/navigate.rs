//! Moving around: views, rows, columns, sort orders, drilling into a row and back, marking.

use super::super::keymap::Action;
use super::super::state::{AppState, Place, Scope, ViewKind};

/// Moving between views, rows, columns and sort orders.
pub(super) fn navigate(state: &mut AppState, action: Action) {
    let views = ViewKind::ALL.len();
    match action {
        Action::NextView => switch(state, (state.view.index() + 1) % views),
        Action::PrevView => switch(state, (state.view.index() + views - 1) % views),
        Action::View(i) => switch(state, i),
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
        Action::Sort => sort_next_column(state),
        Action::ReverseSort => {
            let t = state.table_mut();
            t.sort = Some(t.sort.map_or((0, true), |(c, d)| (c, !d)));
            let keep = t.selected_row().map(|r| r.id.clone());
            t.refresh(keep.as_deref());
        }
        Action::Left => state.access_col = state.access_col.saturating_sub(1),
        Action::Right => {
            let cols = state.tables[ViewKind::Access.index()].headers.len();
            state.access_col = (state.access_col + 1).min(cols.saturating_sub(1));
        }
        _ => {}
    }
}

/// Sorts by the next column (unsorted after the last), keeping the selected row.
fn sort_next_column(state: &mut AppState) {
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

pub(super) fn mark(state: &mut AppState) {
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
