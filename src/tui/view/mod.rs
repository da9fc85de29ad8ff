//! Drawing. Reads [`AppState`]; never awaits, never reads the clock, never builds YAML.

mod access;
mod detail;
mod edit;
mod forms;
mod overlay;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row as TRow, Table as TTable, Wrap};

use super::keymap::hints;
use super::state::{AppState, Connection, Data, Input, Modal, ReadOnly, Scope, Table, ViewKind};
use super::update::contexts;
use crate::tenancy::Kind;
use theme::Theme;

/// Below this the UI shows a "too small" message instead of a broken layout.
pub const MIN_SIZE: (u16, u16) = (60, 15);

/// Draws the whole UI.
pub fn render(state: &AppState, frame: &mut Frame) {
    let area = frame.area();
    let theme = Theme::new(state.color);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "Terminal too small: {}x{}. kubectl-kubeflow needs at least {}x{}. Resize, or press q to quit.",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        );
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let banner = banner_text(state);
    let foot_rows = footer_rows(state, area.width);
    let [head, tabs, banner_area, body, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(u16::from(banner.is_some())),
        Constraint::Min(1),
        Constraint::Length(foot_rows),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header_line(state, &theme)), head);
    frame.render_widget(Paragraph::new(tabs_line(state, &theme)), tabs);
    if let Some(text) = banner {
        frame.render_widget(Paragraph::new(text).style(theme.banner()), banner_area);
    }
    render_body(state, frame, body, &theme);
    let footer = Paragraph::new(footer_line(state, &theme));
    let footer = if foot_rows > 1 {
        footer.wrap(Wrap { trim: false })
    } else {
        footer
    };
    frame.render_widget(footer, foot);
    render_modal(state, frame, body, &theme);
}

/// Rows of the footer: a long message (a refusal with its reason) wraps over up to three
/// lines instead of being cut at the terminal's width.
fn footer_rows(state: &AppState, width: u16) -> u16 {
    match (&state.input, &state.status) {
        (Input::None, Some(s)) => {
            let width = usize::from(width).saturating_sub(8).max(1);
            u16::try_from((s.chars().count() + 1).div_ceil(width).clamp(1, 3)).unwrap_or(1)
        }
        _ => 1,
    }
}

/// The current view, or why there is none yet.
fn render_body(state: &AppState, frame: &mut Frame, body: Rect, theme: &Theme) {
    match &state.data {
        Data::Loading => {
            let msg = format!("Loading tenancy from context {:?}…", state.header.context);
            frame.render_widget(
                Paragraph::new(msg)
                    .style(theme.dim())
                    .block(Block::bordered()),
                body,
            );
        }
        Data::Unavailable(msg) => overlay::unavailable(frame, body, msg, theme),
        Data::Ready { snapshot, .. } => {
            let missing = forbidden_note(state.view, &snapshot.forbidden);
            let [note, body] = Layout::vertical([
                Constraint::Length(u16::from(missing.is_some())),
                Constraint::Min(1),
            ])
            .areas(body);
            if let Some(text) = missing {
                frame.render_widget(Paragraph::new(text).style(theme.warning()), note);
            }
            match state.view {
                ViewKind::Profiles | ViewKind::Users | ViewKind::Doctor => {
                    with_detail(state, frame, body, theme)
                }
                ViewKind::Access => access::render(state, frame, body, theme),
                ViewKind::Roles => render_table(state, state.table(), frame, body, theme),
            }
        }
    }
}

/// The open overlay, over the body.
fn render_modal(state: &AppState, frame: &mut Frame, body: Rect, theme: &Theme) {
    match &state.modal {
        Modal::None => {}
        Modal::Help { scroll } => {
            let why = crate::tui::update::flow::read_only_reason(state);
            overlay::help(frame, body, *scroll, why.as_deref(), theme)
        }
        Modal::Yaml {
            title,
            lines,
            scroll,
        } => overlay::yaml(frame, body, title, lines, *scroll, theme),
        Modal::Quota(e) => edit::quota(frame, body, e, theme),
        Modal::Onboard(f) => match &f.editor {
            Some(e) => edit::quota(frame, body, e, theme),
            None => forms::onboard(frame, body, f, theme),
        },
        Modal::RolePicker(p) => edit::picker(frame, body, p, theme),
        Modal::Danger(d) => forms::danger(frame, body, d, theme),
        Modal::Contributor(c) => forms::contributor(frame, body, c, theme),
        Modal::Staged { selected } => edit::staged(frame, body, &state.staged, *selected, theme),
        Modal::Text {
            title,
            lines,
            scroll,
            ..
        } => edit::text(frame, body, title, lines, *scroll, theme),
        Modal::Confirm { prompt, .. } => edit::confirm(frame, body, prompt, theme),
    }
}

/// The lists this view needs.
fn needs(view: ViewKind) -> &'static [Kind] {
    match view {
        ViewKind::Profiles => &[
            Kind::Namespace,
            Kind::RoleBinding,
            Kind::AuthorizationPolicy,
            Kind::ResourceQuota,
            Kind::LimitRange,
        ],
        ViewKind::Users | ViewKind::Access => &[
            Kind::RoleBinding,
            Kind::ClusterRoleBinding,
            Kind::AuthorizationPolicy,
        ],
        ViewKind::Roles => &[Kind::ClusterRole],
        ViewKind::Doctor => &[
            Kind::Namespace,
            Kind::RoleBinding,
            Kind::ClusterRoleBinding,
            Kind::AuthorizationPolicy,
            Kind::ResourceQuota,
            Kind::LimitRange,
        ],
    }
}

/// "You may not list X": which permission this view lacks, if any.
fn forbidden_note(view: ViewKind, forbidden: &[(String, String)]) -> Option<String> {
    let missing: Vec<&str> = forbidden
        .iter()
        .map(|(r, _)| r.as_str())
        .filter(|r| needs(view).iter().any(|k| k.resource() == *r))
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            " ⚠ Forbidden: you may not list {} (all namespaces); this view is incomplete. Ask for list/watch on them.",
            missing.join(", ")
        )
    })
}

fn header_line<'a>(state: &'a AppState, theme: &Theme) -> Line<'a> {
    let h = &state.header;
    // Status first: on a narrow terminal only the server URL gets cut.
    let mut spans = vec![
        Span::styled(" kubectl-kubeflow ", theme.accent()),
        match &state.connection {
            Connection::Connecting => Span::styled("○ connecting", theme.warning()),
            Connection::Live => Span::styled("● live", theme.ok()),
            Connection::Trouble(t) => {
                Span::styled(format!("● retrying ({})", t.failures), theme.error())
            }
        },
    ];
    let why = match h.read_only {
        ReadOnly::Flag => Some(" READ-ONLY (--readonly) "),
        ReadOnly::NoPermission => Some(" READ-ONLY (no write permission) "),
        ReadOnly::Unknown | ReadOnly::Writable => None,
    };
    if let Some(why) = why {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            why,
            theme.warning().add_modifier(Modifier::REVERSED),
        ));
    }
    if state.applying {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            " applying… ",
            theme.accent().add_modifier(Modifier::REVERSED),
        ));
    } else if !state.staged.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {} staged ", state.staged.len()),
            theme.accent().add_modifier(Modifier::REVERSED),
        ));
    }
    spans.extend([
        Span::styled("  ctx ", theme.dim()),
        Span::styled(h.context.as_str(), theme.header()),
        Span::styled("  user ", theme.dim()),
        Span::raw(h.user.as_deref().unwrap_or("?")),
        Span::styled("  ", theme.dim()),
        Span::styled(h.server.as_str(), theme.dim()),
    ]);
    Line::from(spans)
}

fn tabs_line<'a>(state: &'a AppState, theme: &Theme) -> Line<'a> {
    let mut spans = vec![Span::raw(" ")];
    for (i, v) in ViewKind::ALL.iter().enumerate() {
        let count = state.tables[i].visible.len();
        let text = if matches!(state.data, Data::Ready { .. }) && *v != ViewKind::Roles {
            format!(" {} {} ({count}) ", i + 1, v.title())
        } else {
            format!(" {} {} ", i + 1, v.title())
        };
        let style = if *v == state.view {
            theme.accent().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
        };
        spans.push(Span::styled(text, style));
    }
    Line::from(spans)
}

fn banner_text(state: &AppState) -> Option<String> {
    let Connection::Trouble(t) = &state.connection else {
        return None;
    };
    let since = state
        .data_at
        .map(|at| {
            let secs = state.now.as_second().saturating_sub(at.as_second()).max(0);
            format!("; data shown is stale ({secs}s old)")
        })
        .unwrap_or_default();
    let first = t.message.lines().next().unwrap_or_default();
    Some(format!(
        " Connection problem: {first} — retrying with backoff (failure {}){since}",
        t.failures
    ))
}

fn footer_line<'a>(state: &'a AppState, theme: &Theme) -> Line<'a> {
    match &state.input {
        Input::Filter { field, .. } => {
            let mut spans = vec![Span::styled("/", theme.accent())];
            spans.extend(edit::field_spans(field, theme));
            spans.push(Span::styled(
                "  Enter keep · Esc cancel · !text inverts",
                theme.dim(),
            ));
            return Line::from(spans);
        }
        Input::Command(field) => {
            let mut spans = vec![Span::styled(":", theme.accent())];
            spans.extend(edit::field_spans(field, theme));
            spans.push(Span::styled(
                "  profiles users access roles doctor ctx NAME q · quota grant revoke preview apply staged discard",
                theme.dim(),
            ));
            return Line::from(spans);
        }
        Input::None => {}
    }
    if let Some(s) = &state.status {
        return Line::from(Span::styled(format!(" {s}"), theme.warning()));
    }
    let mut spans = vec![Span::raw(" ")];
    for (k, h) in hints(&contexts(state)) {
        spans.push(Span::styled(format!("<{k}>"), theme.accent()));
        spans.push(Span::raw(format!(" {h}  ")));
    }
    Line::from(spans)
}

fn title(state: &AppState, t: &Table) -> String {
    let mut s = format!(
        " {} [{}/{}]",
        state.view.title(),
        t.visible.len(),
        t.rows.len()
    );
    match &t.scope {
        Some(Scope::Profile(p)) => s.push_str(&format!(" · with access to {p}")),
        Some(Scope::User(u)) => s.push_str(&format!(" · reachable by {u}")),
        None => {}
    }
    if !t.filter.is_empty() {
        s.push_str(&format!(" · /{}", t.filter));
    }
    if !t.marked.is_empty() {
        s.push_str(&format!(" · {} marked (Esc clears)", t.marked.len()));
    }
    if let Some((c, desc)) = t.sort
        && let Some(h) = t.headers.get(c)
    {
        s.push_str(&format!(" · sort {h}{}", if desc { "↓" } else { "↑" }));
    }
    if state.view == ViewKind::Roles {
        s.push_str(match state.compare {
            None => " · c: compare",
            Some(_) => " · compare mode (c: next)",
        });
    }
    if state.stale() {
        s.push_str(" · STALE");
    }
    s.push(' ');
    s
}

/// Keeps the selection on screen with minimal scrolling; returns the first row to draw.
fn scroll(t: &Table, height: usize) -> usize {
    let height = height.max(1);
    t.page.set(height);
    let mut off = t.offset.get();
    if t.selected < off {
        off = t.selected;
    } else if t.selected >= off + height {
        off = t.selected + 1 - height;
    }
    off = off.min(t.visible.len().saturating_sub(height));
    t.offset.set(off);
    off
}

/// Draws a table, building widgets only for the rows on screen.
fn render_table(state: &AppState, t: &Table, frame: &mut Frame, area: Rect, theme: &Theme) {
    let block = Block::bordered().title(Span::styled(title(state, t), theme.accent()));
    let height = usize::from(area.height.saturating_sub(3));
    let off = scroll(t, height);
    let window: Vec<usize> = t.visible.iter().skip(off).take(height).copied().collect();
    if t.rows.is_empty() || window.is_empty() {
        let msg = if t.rows.is_empty() {
            "Nothing here yet.".to_string()
        } else {
            "No rows match the filter (Esc clears it).".to_string()
        };
        frame.render_widget(Paragraph::new(msg).style(theme.dim()).block(block), area);
        return;
    }
    let mut widths: Vec<usize> = t.headers.iter().map(|h| h.chars().count()).collect();
    for i in &window {
        for (c, cell) in t.rows[*i].cells.iter().enumerate() {
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    if !t.marked.is_empty()
        && let Some(w) = widths.first_mut()
    {
        *w += 2;
    }
    let last = widths.len().saturating_sub(1);
    let constraints: Vec<Constraint> = widths
        .iter()
        .enumerate()
        .map(|(i, w)| {
            if i == last {
                Constraint::Min(u16::try_from(*w).unwrap_or(u16::MAX).min(12))
            } else {
                Constraint::Length(u16::try_from(*w).unwrap_or(u16::MAX).min(48))
            }
        })
        .collect();
    let rows: Vec<TRow> = window
        .iter()
        .enumerate()
        .map(|(pos, i)| {
            let r = &t.rows[*i];
            let mut style = theme.severity(r.severity);
            let mut cells = r.cells.clone();
            if t.marked.contains(&r.id) {
                style = style.patch(theme.accent().add_modifier(Modifier::BOLD));
                if let Some(c) = cells.first_mut() {
                    *c = format!("● {c}");
                }
            }
            if pos + off == t.selected {
                style = style.patch(theme.selected());
            }
            TRow::new(cells).style(style)
        })
        .collect();
    let header = TRow::new(t.headers.clone()).style(theme.header());
    let table = TTable::new(rows, constraints)
        .header(header)
        .column_spacing(2)
        .block(block);
    frame.render_widget(table, area);
}

fn with_detail(state: &AppState, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (list, info) = if area.width >= 150 {
        let [a, b] = Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)])
            .areas(area);
        (a, b)
    } else {
        let detail_h = (area.height * 2 / 5).clamp(6, 14);
        let [a, b] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(detail_h)]).areas(area);
        (a, b)
    };
    render_table(state, state.table(), frame, list, theme);
    detail::render(state, frame, info, theme);
}

/// Block with the default borders, for the sub-views.
fn bordered(title: String, theme: &Theme) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(title, theme.accent()))
}
