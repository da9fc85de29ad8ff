//! Drawing the editing layer: the quota editor, the role picker, the staged changes panel,
//! the preview and results, and questions. Reads state only.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::bordered;
use super::overlay::{centered, scroll_title, yaml_line};
use super::theme::Theme;
use crate::tui::edit::preview::{Styled, Tone};
use crate::tui::edit::quota::{Editing, QuotaEditor};
use crate::tui::edit::{ChangeSet, Stage};
use crate::tui::field::Field;
use crate::tui::state::RolePicker;

/// Rows `lines` take when wrapped in a bordered box `width` wide (borders included).
pub(super) fn wrapped_height(lines: &[Line], width: u16) -> u16 {
    let inner = usize::from(width.saturating_sub(2)).max(1);
    // Word wrapping leaves up to a word's width free at the end of a row; count rows as if
    // they were a little narrower, so the box is never too short.
    let row = inner.saturating_sub(12).max(1);
    let rows: usize = lines
        .iter()
        .map(|l| match l.width() {
            w if w <= inner => 1,
            w => w.div_ceil(row),
        })
        .sum();
    u16::try_from(rows + 2).unwrap_or(u16::MAX)
}

/// Draws `lines` in a bordered box `width` wide, as tall as they wrap to, centred in `area`
/// (the look of every editing modal).
pub(super) fn modal_box(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: String,
    lines: Vec<Line>,
    theme: &Theme,
) {
    let rect = centered(area, width, wrapped_height(&lines, width));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(bordered(title, theme)),
        rect,
    );
}

/// A field's text with the cursor drawn as a reversed cell.
pub fn field_spans<'a>(f: &'a Field, theme: &Theme) -> Vec<Span<'a>> {
    let text = f.text();
    let at = text
        .char_indices()
        .nth(f.cursor())
        .map_or(text.len(), |(i, _)| i);
    let (before, rest) = text.split_at(at);
    let mut chars = rest.chars();
    let cursor = chars.next().map_or(" ".to_string(), |c| c.to_string());
    vec![
        Span::raw(before),
        Span::styled(cursor, theme.accent().add_modifier(Modifier::REVERSED)),
        Span::raw(chars.as_str()),
    ]
}

fn row_line<'a>(e: &'a QuotaEditor, i: usize, theme: &Theme) -> Vec<Line<'a>> {
    let r = &e.rows[i];
    let selected = i == e.selected;
    let marker = if selected { "›" } else { " " };
    let state = if r.removed {
        "remove"
    } else if r.live.is_none() {
        "add"
    } else if r.changed() {
        "change"
    } else {
        ""
    };
    let mut spans = vec![
        Span::raw(format!("{marker} {:<28} ", r.resource)),
        Span::styled(
            format!("{:>10} ", r.used.as_deref().unwrap_or("-")),
            theme.dim(),
        ),
    ];
    match (&e.editing, selected) {
        (Editing::Value(f), true) => {
            spans.push(Span::raw("["));
            spans.extend(field_spans(f, theme));
            spans.push(Span::raw("]"));
        }
        _ => {
            let style = if r.removed {
                theme.dim().add_modifier(Modifier::CROSSED_OUT)
            } else if r.changed() {
                theme.accent()
            } else {
                Style::default()
            };
            spans.push(Span::styled(format!("{:>10}", r.value), style));
            if let Some(live) = r.live.as_deref().filter(|_| r.changed() && !r.removed) {
                spans.push(Span::styled(format!("  (was {live})"), theme.dim()));
            }
        }
    }
    spans.push(Span::styled(format!("  {state}"), theme.warning()));
    let mut lines = vec![Line::from(spans)];
    if !selected || e.editing == Editing::None {
        if let Some(p) = r.problem() {
            lines.push(Line::styled(format!("    ✗ {p}"), theme.error()));
        } else if let Some(w) = r.below_usage() {
            lines.push(Line::styled(format!("    ⚠ {w}"), theme.warning()));
        }
    }
    lines
}

/// The quota editor.
pub fn quota(frame: &mut Frame, area: Rect, e: &QuotaEditor, theme: &Theme) {
    let mut lines = vec![Line::styled(
        format!("  {:<28} {:>10} {:>10}", "RESOURCE", "USED", "HARD"),
        theme.header(),
    )];
    if e.rows.is_empty() {
        lines.push(Line::styled(
            "  no quota yet: a adds a resource (Tab completes)",
            theme.dim(),
        ));
    }
    for i in 0..e.rows.len() {
        lines.extend(row_line(e, i, theme));
    }
    if let Editing::Key(f) = &e.editing {
        let mut spans = vec![Span::raw("  add resource: [")];
        spans.extend(field_spans(f, theme));
        spans.push(Span::raw("]"));
        lines.push(Line::from(spans));
        let c = e.candidates();
        if !c.is_empty() {
            lines.push(Line::styled(
                format!("    Tab completes: {}", c.join(" ")),
                theme.dim(),
            ));
        }
    }
    let completing = matches!(e.editing, Editing::Key(_)) && !e.candidates().is_empty();
    if let Some(p) = e.field_problem().filter(|_| !completing) {
        lines.push(Line::styled(format!("  ✗ {p}"), theme.error()));
    } else if let Some(err) = &e.error {
        lines.push(Line::styled(format!("  ✗ {err}"), theme.error()));
    }
    lines.push(Line::raw(""));
    if e.has_limit_range {
        lines.push(Line::styled(
            "  LimitRange: the namespace has one (pods without requests get its defaults)",
            theme.dim(),
        ));
    } else if e.offers_limit_range() || e.add_limit_range {
        let mark = if e.add_limit_range { "[x]" } else { "[ ]" };
        lines.push(Line::styled(
            format!(
                "  {mark} L: also create LimitRange cpu-mem-limit-range — the namespace has none, so pods without resource requests will be rejected"
            ),
            if e.add_limit_range {
                theme.ok()
            } else {
                theme.warning()
            },
        ));
    }
    lines.push(Line::styled(
        "  Writes the Profile's spec.resourceQuotaSpec; its controller syncs kf-resource-quota.",
        theme.dim(),
    ));
    modal_box(
        frame,
        area,
        96,
        format!(" Quota of profile {} ", e.profile),
        lines,
        theme,
    );
}

/// The role picker.
pub fn picker(frame: &mut Frame, area: Rect, p: &RolePicker, theme: &Theme) {
    const SHOWN: usize = 8;
    let mut lines: Vec<Line> = p
        .targets
        .iter()
        .take(SHOWN)
        .map(|t| {
            Line::raw(format!(
                "  {} {} on profile {} — now: {}",
                t.subject.kind().to_lowercase(),
                t.subject.name(),
                t.profile,
                t.current.map_or("no access", |r| r.cluster_role())
            ))
        })
        .collect();
    if p.targets.len() > SHOWN {
        lines.push(Line::raw(format!(
            "  … and {} more (one staged change each)",
            p.targets.len() - SHOWN
        )));
    }
    for s in &p.skipped {
        lines.push(Line::styled(format!("  left out: {s}"), theme.dim()));
    }
    lines.extend([
        Line::raw(""),
        Line::raw("  a  admin    kubeflow-admin"),
        Line::raw("  e  edit     kubeflow-edit"),
        Line::raw("  v  view     kubeflow-view"),
        Line::raw("  n  none     remove the RoleBinding + AuthorizationPolicy pair"),
        Line::raw(""),
        Line::styled(
            "  Stages a KFAM-compatible pair per profile; a cluster-wide role is :grant USER ROLE --cluster-wide.",
            theme.dim(),
        ),
    ]);
    modal_box(
        frame,
        area,
        96,
        format!(" Set role of {} pair(s) · Esc cancels ", p.targets.len()),
        lines,
        theme,
    );
}

/// The staged changes panel.
pub fn staged(frame: &mut Frame, area: Rect, set: &ChangeSet, selected: usize, theme: &Theme) {
    let mut lines = Vec::new();
    if set.is_empty() {
        lines.push(Line::styled(
            "  Nothing staged. e edits a profile's quota, t sets a role, : takes commands like :quota or :grant.",
            theme.dim(),
        ));
    }
    for (i, s) in set.items.iter().enumerate() {
        let marker = if i == selected { "›" } else { " " };
        let state = match &s.stage {
            Stage::Planning => "planning…".to_string(),
            Stage::Ready(p) => {
                let verbs: Vec<String> = p
                    .changes
                    .iter()
                    .filter(|c| c.action != crate::plan::Action::Unchanged)
                    .map(|c| format!("{} {}", c.action.verb(), c.label()))
                    .collect();
                verbs.join(", ")
            }
        };
        let style = if i == selected {
            theme.selected()
        } else {
            Style::default()
        };
        lines.push(Line::styled(
            format!("{marker} {}. {}", i + 1, s.intent.summary()),
            style,
        ));
        lines.push(Line::styled(format!("      {state}"), theme.dim()));
        if let Some(n) = &s.note {
            lines.push(Line::styled(format!("      ⚠ {n}"), theme.warning()));
        }
    }
    modal_box(
        frame,
        area,
        110,
        format!(
            " Staged changes ({}) · d unstage · p preview · X discard all · Esc ",
            set.len()
        ),
        lines,
        theme,
    );
}

fn styled<'a>(l: &'a Styled, theme: &Theme) -> Line<'a> {
    let style = match l.tone {
        Tone::Plain => Style::default(),
        Tone::Heading => theme.accent().add_modifier(Modifier::BOLD),
        Tone::Added | Tone::Ok => theme.ok(),
        Tone::Removed | Tone::Error => theme.error(),
        Tone::Hunk => theme.header(),
        Tone::Warning => theme.warning(),
        Tone::Dim => theme.dim(),
        Tone::Yaml => return yaml_line(&l.text, theme),
    };
    Line::styled(l.text.as_str(), style)
}

/// The preview or the results, scrollable.
pub fn text(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[Styled],
    scroll: usize,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(2));
    // Long lines (warnings, server messages) wrap; scrolling counts source lines.
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .map(|l| styled(l, theme))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(shown)
            .wrap(Wrap { trim: false })
            .block(bordered(
                scroll_title(title, scroll, height, lines.len()),
                theme,
            )),
        area,
    );
}

/// A yes/no question.
pub fn confirm(frame: &mut Frame, area: Rect, prompt: &str, theme: &Theme) {
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Fill(1),
    ])
    .areas(area);
    let rect = centered(mid, 90, 5);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(Line::styled(format!(" {prompt}"), theme.warning()))
            .wrap(Wrap { trim: false })
            .block(bordered(" Confirm ".into(), theme)),
        rect,
    );
}
