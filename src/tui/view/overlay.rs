//! Help and YAML overlays, and the full-screen "cannot show profiles" explanation.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::super::keymap::help as help_sections;
use super::bordered;
use super::theme::Theme;

pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let [_, mid, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height.min(area.height)),
        Constraint::Fill(1),
    ])
    .areas(area);
    let [_, c, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width.min(area.width)),
        Constraint::Fill(1),
    ])
    .areas(mid);
    c
}

/// The help screen, generated from the key table.
pub fn help(frame: &mut Frame, area: Rect, scroll: usize, read_only: Option<&str>, theme: &Theme) {
    let mut lines: Vec<Line> = Vec::new();
    if let Some(why) = read_only {
        lines.push(Line::styled(
            format!("{why}: the editing keys below are listed but refuse, saying why"),
            theme.warning(),
        ));
        lines.push(Line::raw(""));
    }
    for (title, keys) in help_sections() {
        lines.push(Line::styled(title, theme.accent()));
        for (k, h) in keys {
            lines.push(Line::from(vec![
                Span::styled(format!("  {k:<10}"), theme.header()),
                Span::raw(h),
            ]));
        }
        lines.push(Line::raw(""));
    }
    let rect = centered(area, 84, area.height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
            .block(bordered(" Help · Esc closes · j/k scroll ".into(), theme)),
        rect,
    );
}

/// Colors one YAML line: key, value, list dash, document separator.
pub fn yaml_line<'a>(line: &'a str, theme: &Theme) -> Line<'a> {
    if line.starts_with("---") {
        return Line::styled(line, theme.dim());
    }
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    let (dash, rest) = match rest.strip_prefix("- ") {
        Some(r) => ("- ", r),
        None => ("", rest),
    };
    let mut spans = vec![
        Span::raw(&line[..indent]),
        Span::styled(dash, theme.accent()),
    ];
    match rest.split_once(": ") {
        Some((k, v)) if !k.contains(' ') || k.starts_with('"') => {
            spans.push(Span::styled(k, theme.yaml_key()));
            spans.push(Span::raw(": "));
            spans.push(Span::styled(v, theme.yaml_value()));
        }
        _ => match rest.strip_suffix(':') {
            Some(k) => {
                spans.push(Span::styled(k, theme.yaml_key()));
                spans.push(Span::raw(":"));
            }
            None => spans.push(Span::styled(rest, theme.yaml_value())),
        },
    }
    Line::from(spans)
}

/// An object's YAML, scrollable.
pub fn yaml(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: &[String],
    scroll: usize,
    theme: &Theme,
) {
    let height = usize::from(area.height.saturating_sub(2));
    let shown: Vec<Line> = lines
        .iter()
        .skip(scroll)
        .take(height)
        .map(|l| yaml_line(l, theme))
        .collect();
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(shown).block(bordered(
            format!(
                "{}· Esc closes ",
                scroll_title(title, scroll, height, lines.len())
            ),
            theme,
        )),
        area,
    );
}

/// The whole body when profiles cannot be read.
pub fn unavailable(frame: &mut Frame, area: Rect, message: &str, theme: &Theme) {
    let mut lines = vec![
        Line::styled("Cannot show Kubeflow profiles", theme.error()),
        Line::raw(""),
    ];
    lines.extend(message.lines().map(|l| Line::raw(l.to_string())));
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "The watch keeps retrying: once this is fixed the views fill in by themselves. r reconnects now, :ctx NAME switches context, q quits.",
        theme.dim(),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(bordered(" Kubeflow ".into(), theme)),
        area,
    );
}

/// ` title · lines a-b of n `: the title of a scrolled text.
pub(super) fn scroll_title(title: &str, scroll: usize, height: usize, len: usize) -> String {
    format!(
        " {title} · lines {}-{} of {len} ",
        (scroll + 1).min(len),
        (scroll + height).min(len)
    )
}
