//! The access matrix: users x profiles, a role letter per cell, with row and column
//! highlight and staged changes starred.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::theme::Theme;
use crate::tui::state::{AppState, Row};

/// Width of one access-matrix cell (a letter, a star, padding).
const CELL: usize = 4;

/// The part of the access matrix on screen: the user column's width and the profile
/// columns `first..end`.
struct Window {
    user_w: usize,
    first: usize,
    end: usize,
}

/// Users x profiles with row and column highlight; only the visible window is built.
pub(super) fn render(state: &AppState, frame: &mut Frame, area: Rect, theme: &Theme) {
    let t = state.table();
    let profiles = &t.headers;
    let col_name = profiles.get(state.access_col).map_or("-", String::as_str);
    let block = Block::bordered().title(Span::styled(
        format!(
            "{}· column {}/{}: {col_name} · O owner A admin E edit V view (* staged) ",
            super::title(state, t),
            state.access_col + 1,
            profiles.len()
        ),
        theme.accent(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if t.visible.is_empty() {
        frame.render_widget(Paragraph::new("No users match.").style(theme.dim()), inner);
        return;
    }
    let user_w = t
        .visible
        .iter()
        .map(|i| t.rows[*i].id.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 34)
        + if t.marked.is_empty() { 0 } else { 2 };
    let cols_fit = (usize::from(inner.width).saturating_sub(user_w + 1) / CELL).max(1);
    let first = state.access_col.saturating_sub(cols_fit - 1);
    let window = Window {
        user_w,
        first,
        end: (first + cols_fit).min(profiles.len()),
    };
    let height = usize::from(inner.height.saturating_sub(1));
    let off = super::scroll(t, height);
    let mut lines = vec![access_header(state, &window, theme)];
    for (pos, i) in t.visible.iter().enumerate().skip(off).take(height) {
        let selected = pos == t.selected;
        lines.push(access_row(state, &t.rows[*i], selected, &window, theme));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// USER and the visible profiles' names, cut to a cell.
fn access_header(state: &AppState, window: &Window, theme: &Theme) -> Line<'static> {
    let user_w = window.user_w;
    let mut head = vec![Span::styled(
        format!("{:<user_w$} ", "USER"),
        theme.header(),
    )];
    let headers = &state.table().headers;
    for (c, p) in headers
        .iter()
        .enumerate()
        .take(window.end)
        .skip(window.first)
    {
        let short: String = p.chars().take(CELL - 1).collect();
        let style = if c == state.access_col {
            theme.header().patch(theme.column())
        } else {
            theme.header()
        };
        head.push(Span::styled(format!("{short:<CELL$}"), style));
    }
    Line::from(head)
}

/// One user's row: the name, then a role letter per visible profile (a staged change shows
/// as its new letter with a star).
fn access_row(
    state: &AppState,
    r: &Row,
    selected: bool,
    window: &Window,
    theme: &Theme,
) -> Line<'static> {
    let user_w = window.user_w;
    let marker = if state.table().marked.contains(&r.id) {
        "● "
    } else {
        ""
    };
    let name: String = format!("{marker}{}", r.id).chars().take(user_w).collect();
    let mut spans = vec![Span::styled(
        format!("{name:<user_w$} "),
        if selected {
            theme.selected()
        } else {
            Style::default()
        },
    )];
    for c in window.first..window.end {
        let cell = r.cell(c);
        let staged = state
            .table()
            .headers
            .get(c)
            .and_then(|p| staged_role(state, &r.id, p));
        let mut style = match cell {
            _ if staged.is_some() => theme.accent().add_modifier(Modifier::BOLD),
            "O" => theme.accent(),
            "A" => theme.error(),
            "E" => theme.warning(),
            "V" => theme.ok(),
            _ => theme.dim(),
        };
        let cell = staged.as_deref().unwrap_or(cell);
        if c == state.access_col {
            style = style.patch(theme.column());
        }
        if selected {
            style = style.patch(theme.selected());
        }
        spans.push(Span::styled(format!(" {cell:<w$}", w = CELL - 1), style));
    }
    Line::from(spans)
}

/// A staged role change of `user` on `profile`, as its cell: the new role's letter (`·` for
/// none) and a star.
fn staged_role(state: &AppState, user: &str, profile: &str) -> Option<String> {
    state.staged.items.iter().find_map(|s| match &s.intent {
        crate::tui::edit::Intent::Access {
            profile: p,
            subject,
            role,
        } if p.as_str() == profile && subject.name() == user => {
            let letter = role.map_or('·', |r| {
                r.short_name()
                    .chars()
                    .next()
                    .unwrap_or('?')
                    .to_ascii_uppercase()
            });
            Some(format!("{letter}*"))
        }
        _ => None,
    })
}
