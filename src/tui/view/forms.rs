//! Drawing the forms: onboarding, add contributor, and the typed confirmation of a
//! destructive change.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

use super::edit::{field_spans, modal_box};
use super::theme::Theme;
use crate::tui::edit::onboard::{Focus, OnboardForm};
use crate::tui::field::Field;
use crate::tui::state::{ContributorForm, Danger};

fn label(f: &OnboardForm, focus: Focus, text: &'static str, theme: &Theme) -> Span<'static> {
    let style = if f.focus == focus {
        theme.accent().add_modifier(Modifier::BOLD)
    } else {
        theme.header()
    };
    let marker = if f.focus == focus { "›" } else { " " };
    Span::styled(format!("{marker} {text:<14}"), style)
}

fn text_row<'a>(
    f: &OnboardForm,
    focus: Focus,
    text: &'static str,
    field: &'a Field,
    theme: &Theme,
) -> Line<'a> {
    let mut spans = vec![label(f, focus, text, theme), Span::raw("[")];
    if f.focus == focus {
        spans.extend(field_spans(field, theme));
    } else {
        spans.push(Span::raw(field.text()));
    }
    spans.push(Span::raw("]"));
    Line::from(spans)
}

fn push_issue(lines: &mut Vec<Line>, f: &OnboardForm, focus: Focus, theme: &Theme) {
    if let Some((_, m)) = f.issues.iter().find(|(fo, _)| *fo == focus) {
        lines.push(Line::styled(format!("      ✗ {m}"), theme.error()));
    }
}

/// The onboarding form.
pub fn onboard(frame: &mut Frame, area: Rect, f: &OnboardForm, theme: &Theme) {
    let mut lines = Vec::new();
    lines.push(text_row(f, Focus::Email, "Email", &f.email, theme));
    push_issue(&mut lines, f, Focus::Email, theme);
    lines.push(text_row(
        f,
        Focus::Profile,
        "Profile name",
        &f.profile,
        theme,
    ));
    push_issue(&mut lines, f, Focus::Profile, theme);
    if !f.profile_edited && !f.profile.text().is_empty() {
        lines.push(Line::styled(
            "      derived from the email as the Kubeflow dashboard does; type to change it",
            theme.dim(),
        ));
    }
    let quota: Vec<String> = f.quota().iter().map(|(k, v)| format!("{k}={v}")).collect();
    lines.push(Line::from(vec![
        label(f, Focus::Preset, "Quota preset", theme),
        Span::raw(format!("‹ {} ›  ", f.choice_label())),
        Span::styled(
            if quota.is_empty() {
                "no quota".to_string()
            } else {
                quota.join(", ")
            },
            theme.dim(),
        ),
    ]));
    push_issue(&mut lines, f, Focus::Preset, theme);
    lines.push(Line::from(vec![
        label(f, Focus::LimitRange, "LimitRange", theme),
        Span::raw(if f.limit_range {
            "[x] create cpu-mem-limit-range (default requests 500m/256Mi, limits 800m/512Mi)"
        } else {
            "[ ] none: with a cpu/memory quota, pods without requests are rejected"
        }),
    ]));
    lines.push(text_row(
        f,
        Focus::Contributors,
        "Contributors",
        &f.contributors,
        theme,
    ));
    push_issue(&mut lines, f, Focus::Contributors, theme);
    lines.push(Line::styled(
        "      EMAIL:ROLE, comma-separated (role admin, edit or view; group:NAME for a group)",
        theme.dim(),
    ));
    for w in f.warnings() {
        lines.push(Line::styled(format!("  ⚠ {w}"), theme.warning()));
    }
    if let Some(e) = &f.error {
        lines.push(Line::styled(format!("  ✗ {e}"), theme.error()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "  Enter stages the Profile (and LimitRange and contributor pairs); nothing is sent until you apply.",
        theme.dim(),
    ));
    modal_box(
        frame,
        area,
        100,
        " Onboard a user · Tab next field · Esc cancels ".into(),
        lines,
        theme,
    );
}

/// The typed confirmation of an offboarding or a profile deletion.
pub fn danger(frame: &mut Frame, area: Rect, d: &Danger, theme: &Theme) {
    let mut lines = vec![Line::styled(
        format!("  {}", d.intent.summary()),
        theme.error().add_modifier(Modifier::BOLD),
    )];
    lines.push(Line::raw(""));
    match &d.inspected {
        None => lines.push(Line::styled("  counting what would be lost…", theme.dim())),
        Some(Err(f)) => lines.push(Line::styled(format!("  ✗ {}", f.message), theme.error())),
        Some(Ok((plan, contents))) => {
            for c in plan
                .changes
                .iter()
                .filter(|c| c.action != crate::plan::Action::Unchanged)
            {
                lines.push(Line::raw(format!("  {} {}", c.action.verb(), c.label())));
            }
            if plan.is_noop() {
                lines.push(Line::styled("  nothing to change", theme.dim()));
            }
            for c in contents {
                let what = if matches!(d.intent, crate::tui::edit::Intent::DeleteProfile { .. }) {
                    format!("  namespace {} holds: {}", c.profile, c.summary())
                } else {
                    format!(
                        "  owns profile {} (kept; D in Profiles deletes it)",
                        c.profile
                    )
                };
                lines.push(Line::styled(what, theme.warning()));
            }
            // The namespace contents are listed above already.
            for w in plan
                .warnings
                .iter()
                .filter(|w| !w.starts_with("deleting profile"))
            {
                lines.push(Line::styled(format!("  ⚠ {w}"), theme.warning()));
            }
        }
    }
    lines.push(Line::raw(""));
    let mut spans = vec![Span::raw(format!("  Type {} to confirm: [", d.expected))];
    spans.extend(field_spans(&d.field, theme));
    spans.push(Span::raw("]"));
    lines.push(Line::from(spans));
    if let Some(e) = &d.error {
        lines.push(Line::styled(format!("  ✗ {e}"), theme.error()));
    }
    lines.push(Line::styled(
        "  Enter stages it (nothing is sent until you apply) · Esc keeps everything",
        theme.dim(),
    ));
    modal_box(
        frame,
        area,
        100,
        " Confirm a destructive change ".into(),
        lines,
        theme,
    );
}

/// The add-contributor form.
pub fn contributor(frame: &mut Frame, area: Rect, c: &ContributorForm, theme: &Theme) {
    let mut spans = vec![Span::raw("  Email or group:NAME  [")];
    spans.extend(field_spans(&c.field, theme));
    spans.push(Span::raw("]"));
    let mut lines = vec![
        Line::from(spans),
        Line::raw(format!(
            "  Role                 ‹ {} ›  (Tab changes)",
            c.role.short_name()
        )),
    ];
    if let Some(e) = &c.error {
        lines.push(Line::styled(format!("  ✗ {e}"), theme.error()));
    }
    lines.push(Line::styled(
        "  Stages the KFAM pair (RoleBinding + AuthorizationPolicy) in this profile; Enter stages, Esc cancels.",
        theme.dim(),
    ));
    modal_box(
        frame,
        area,
        96,
        format!(" Add a contributor to {} ", c.profile),
        lines,
        theme,
    );
}
