//! The detail pane of the Profiles, Users and Doctor views.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::super::rows::{finding_id, object_label};
use super::super::state::{AppState, ViewKind};
use super::bordered;
use super::theme::Theme;
use crate::tenancy::{ProfileRow, Severity, Tenancy};

const BAR: usize = 20;

/// Draws the pane for the selected row.
pub fn render(state: &AppState, frame: &mut Frame, area: Rect, theme: &Theme) {
    let (Some(t), Some(row)) = (state.tenancy(), state.table().selected_row()) else {
        frame.render_widget(bordered(" Details ".into(), theme), area);
        return;
    };
    let (title, lines) = match state.view {
        ViewKind::Profiles => (format!(" Profile {} ", row.id), profile(t, &row.id, theme)),
        ViewKind::Users => (format!(" {} ", row.id), user(t, &row.id, theme)),
        ViewKind::Doctor => (" Finding ".to_string(), finding(t, &row.id, theme)),
        ViewKind::Access | ViewKind::Roles => (String::new(), Vec::new()),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(bordered(title, theme)),
        area,
    );
}

fn severity_mark(s: Severity, theme: &Theme) -> Span<'static> {
    match s {
        Severity::Error => Span::styled("✖ ", theme.error()),
        Severity::Warning => Span::styled("▲ ", theme.warning()),
        Severity::Info => Span::styled("• ", theme.severity(Some(Severity::Info))),
    }
}

fn profile(t: &Tenancy, name: &str, theme: &Theme) -> Vec<Line<'static>> {
    let Some(p) = t.profile(name) else {
        return vec![Line::from("(gone)")];
    };
    let mut out = vec![Line::from(vec![
        Span::styled("Owner ", theme.dim()),
        Span::raw(p.owner.clone().unwrap_or_else(|| "<none>".into())),
        Span::styled("   Namespace ", theme.dim()),
        if p.namespace_exists {
            Span::styled("present", theme.ok())
        } else {
            Span::styled("missing", theme.error())
        },
        Span::styled("   LimitRange ", theme.dim()),
        if p.limit_range {
            Span::styled("yes", theme.ok())
        } else if p.quota.is_empty() {
            Span::raw("no")
        } else {
            Span::styled("no (pods without requests are rejected)", theme.warning())
        },
    ])];
    quota_bars(&mut out, p, theme);
    if p.contributors.is_empty() {
        out.push(Line::styled("Contributors: none", theme.dim()));
    } else {
        out.push(Line::styled(
            format!("Contributors ({})", p.contributors.len()),
            theme.header(),
        ));
    }
    for c in &p.contributors {
        let mut spans = vec![
            Span::raw(format!("  {:<5} ", c.role.short_name())),
            Span::raw(c.name.clone()),
        ];
        let half = |present: bool, label: &str| {
            if present {
                Span::styled(format!("  {label} ✓"), theme.ok())
            } else {
                Span::styled(format!("  {label} ✗"), theme.error())
            }
        };
        spans.push(half(c.role_binding.is_some(), "RoleBinding"));
        if t.istio() {
            spans.push(half(
                c.authorization_policy.is_some(),
                "AuthorizationPolicy",
            ));
        }
        out.push(Line::from(spans));
    }
    if !t.istio() {
        out.push(Line::styled(
            "Istio's AuthorizationPolicy CRD is not installed: policies are not shown",
            theme.warning(),
        ));
    }
    for f in t
        .findings()
        .iter()
        .filter(|f| f.profile.as_deref() == Some(name))
    {
        out.push(Line::from(vec![
            severity_mark(f.severity, theme),
            Span::styled(format!("{}: ", f.code), theme.severity(Some(f.severity))),
            Span::raw(f.message.clone()),
        ]));
    }
    out
}

/// The quota's usage bars (or that there is no quota).
fn quota_bars(out: &mut Vec<Line<'static>>, p: &ProfileRow, theme: &Theme) {
    if p.quota.is_empty() {
        out.push(Line::styled(
            "Quota: none (spec.resourceQuotaSpec is empty)",
            theme.dim(),
        ));
    }
    let label_w = p.quota.iter().map(|q| q.resource.len()).max().unwrap_or(0);
    for q in &p.quota {
        let pct = q.percent();
        let filled = pct.map_or(0, |p| (p.min(100) as usize * BAR) / 100);
        out.push(Line::from(vec![
            Span::raw(format!("{:<label_w$} ", q.resource)),
            Span::styled("█".repeat(filled), theme.usage(pct)),
            Span::styled("░".repeat(BAR - filled), theme.dim()),
            Span::raw(format!(
                " {}/{}{}",
                q.used.as_deref().unwrap_or("?"),
                q.hard,
                pct.map(|p| format!(" ({p}%)")).unwrap_or_default()
            )),
        ]));
    }
}

fn user(t: &Tenancy, identity: &str, theme: &Theme) -> Vec<Line<'static>> {
    let Some(u) = t.user(identity) else {
        return vec![Line::from("(gone)")];
    };
    let mut out = Vec::new();
    if !u.cluster_wide.is_empty() {
        for c in &u.cluster_wide {
            out.push(Line::from(vec![
                Span::styled("⚠ cluster-wide ", theme.warning()),
                Span::styled(c.role.cluster_role().to_string(), theme.warning()),
                Span::raw(format!(
                    " in EVERY namespace via ClusterRoleBinding {}",
                    c.binding
                )),
            ]));
        }
    }
    if u.access.is_empty() {
        out.push(Line::styled("No per-profile access.", theme.dim()));
    }
    let w = u.access.iter().map(|a| a.profile.len()).max().unwrap_or(0);
    for a in &u.access {
        out.push(Line::from(vec![
            Span::styled(format!("{} ", a.level.letter()), theme.accent()),
            Span::raw(format!("{:<w$}  ", a.profile)),
            Span::styled(a.via.clone(), theme.dim()),
        ]));
    }
    out
}

fn finding(t: &Tenancy, id: &str, theme: &Theme) -> Vec<Line<'static>> {
    let Some(f) = t.findings().iter().find(|f| finding_id(f) == id) else {
        return vec![Line::from("(gone)")];
    };
    vec![
        Line::from(vec![
            severity_mark(f.severity, theme),
            Span::styled(f.code.to_string(), theme.severity(Some(f.severity))),
            Span::styled("  on ", theme.dim()),
            Span::raw(object_label(f)),
        ]),
        Line::from(f.message.clone()),
        Line::from(vec![
            Span::styled("Fix: ", theme.accent()),
            Span::styled(f.hint.clone(), Style::default()),
        ]),
        Line::styled(
            "Enter: go to the profile · y: the object's YAML",
            theme.dim(),
        ),
    ]
}
