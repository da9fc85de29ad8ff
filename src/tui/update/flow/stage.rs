//! Staging, planning answers, the preview with its dry run, the confirmation and the apply
//! outcomes (conflicts re-staged with a fresh plan).

#[allow(clippy::wildcard_imports)]
use super::*;

/// Stages `intent` (merging it with a staged change about the same objects) and asks the
/// runner to plan it.
pub fn stage(state: &mut AppState, intent: Intent) -> Vec<Effect> {
    if let Some(reason) = read_only_reason(state) {
        state.status = Some(format!("{reason}; nothing was staged"));
        return Vec::new();
    }
    let summary = intent.summary();
    let warn = matches!(intent, Intent::ClusterWide { role: Some(_), .. });
    let (id, intent) = state.staged.stage(intent);
    state.status = Some(if warn {
        format!(
            "staged: {summary} — ⚠ a ClusterRoleBinding reaches every namespace (kubeflow, istio-system, every profile) and KFAM and the dashboard do not show it; read the preview"
        )
    } else {
        format!("staged: {summary} (planning…; C lists, p previews)")
    });
    refresh_preview(state);
    vec![Effect::Plan { id, intent }]
}

/// A plan (or its failure) arrived.
pub fn on_planned(state: &mut AppState, id: u64, result: Result<crate::plan::Plan, Failure>) {
    if let Some(msg) = state.staged.planned(id, result) {
        // A long answer (an undo's refusal with each object's diff) gets an overlay; the
        // status line keeps its first line.
        match msg.split_once('\n') {
            Some((first, _)) if state.modal == Modal::None => {
                state.status = Some(format!("{first} (details above; Esc closes)"));
                state.modal = Modal::Yaml {
                    title: first.to_string(),
                    lines: msg.lines().map(str::to_string).collect(),
                    scroll: 0,
                };
            }
            _ => state.status = Some(msg),
        }
    }
    if let Modal::Staged { selected } = &mut state.modal {
        *selected = (*selected).min(state.staged.len().saturating_sub(1));
    }
    refresh_preview(state);
}

/// Dry-run results of one change arrived.
pub fn on_checked(state: &mut AppState, id: u64, checks: Vec<Check>) {
    if let Some(s) = state.staged.get_mut(id) {
        s.checks = checks;
    }
    refresh_preview(state);
}

pub(super) fn results_push(state: &mut AppState, lines: impl IntoIterator<Item = Styled>) {
    if let Modal::Text {
        kind: TextKind::Results,
        lines: out,
        ..
    } = &mut state.modal
    {
        out.extend(lines);
    }
}

/// One change was applied, failed, conflicted or was skipped.
pub fn on_applied(state: &mut AppState, id: u64, outcome: Outcome) -> Vec<Effect> {
    let Some(summary) = state.staged.get_mut(id).map(|s| s.intent.summary()) else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    let lines: Vec<Styled> = match outcome {
        Outcome::Done(done) => {
            state.staged.remove(id);
            let mut l = vec![line(Tone::Ok, format!("✓ {summary}"))];
            l.extend(
                done.into_iter()
                    .map(|d| line(Tone::Plain, format!("    {d}"))),
            );
            l
        }
        Outcome::Conflict { failure, replanned } => {
            let mut l = vec![
                line(
                    Tone::Warning,
                    format!("⚠ {summary}: conflict, nothing of it was written"),
                ),
                line(
                    Tone::Plain,
                    format!("    {}", failure.message.lines().next().unwrap_or("")),
                ),
            ];
            l.push(on_conflict(state, id, replanned));
            l
        }
        Outcome::Failed { done, failure } => {
            let mut l = vec![line(
                Tone::Error,
                format!("✗ {summary}: {}", failure.message),
            )];
            l.extend(
                done.iter()
                    .map(|d| line(Tone::Plain, format!("    {d} (applied before the failure)"))),
            );
            l.push(line(
                Tone::Plain,
                "    kept staged and re-planned against the live objects (what was applied is no longer in it)",
            ));
            if let Some(s) = state.staged.get_mut(id) {
                s.stage = Stage::Planning;
                s.checks.clear();
                s.note = Some(format!("apply failed: {}", failure.message));
                effects.push(Effect::Plan {
                    id,
                    intent: s.intent.clone(),
                });
            }
            l
        }
        Outcome::Skipped => vec![line(
            Tone::Dim,
            format!("- {summary}: not attempted (an earlier change failed); still staged"),
        )],
    };
    results_push(state, lines);
    effects
}

/// A change that conflicted takes the fresh plan made against the live objects (and a note
/// to review it), or leaves the list when there is nothing left to do or re-planning failed.
/// Returns the result line saying which.
fn on_conflict(
    state: &mut AppState,
    id: u64,
    replanned: Result<crate::plan::Plan, Failure>,
) -> Styled {
    let plan = match replanned {
        Ok(plan) => plan,
        Err(f) => {
            state.staged.remove(id);
            return line(
                Tone::Error,
                format!("    re-planning failed, so it was unstaged: {}", f.message),
            );
        }
    };
    let said = state.staged.planned(id, Ok(plan));
    match state.staged.get_mut(id) {
        Some(s) => {
            s.note = Some(
                "conflict: someone changed this object after it was staged; it was re-planned against the live object. Review the new diff (p) and apply again".into(),
            );
            line(
                Tone::Plain,
                "    re-staged with a fresh diff against the live object: review it (p) and apply again",
            )
        }
        // The live object already is what the change wanted.
        None => line(Tone::Plain, format!("    {}", said.unwrap_or_default())),
    }
}

/// Applying finished.
pub fn on_apply_done(state: &mut AppState) {
    state.applying = false;
    let left = state.staged.len();
    let tail = if left == 0 {
        line(
            Tone::Ok,
            "Done. The views show the new state as the watch brings it in.",
        )
    } else {
        line(
            Tone::Warning,
            format!("{left} change(s) still staged: C lists them, p previews, a applies again."),
        )
    };
    results_push(state, [line(Tone::Plain, ""), tail]);
    if let Modal::Text {
        kind: TextKind::Results,
        title,
        ..
    } = &mut state.modal
    {
        *title = "Apply results · Esc closes".into();
    }
}

/// Re-renders the preview when it is open.
pub fn refresh_preview(state: &mut AppState) {
    if let Modal::Text {
        kind: TextKind::Preview,
        lines,
        ..
    } = &mut state.modal
    {
        *lines = preview(&state.staged);
    }
}

/// Opens the preview and starts a server dry run of every planned change.
pub fn open_preview(state: &mut AppState) -> Vec<Effect> {
    state.modal = Modal::Text {
        kind: TextKind::Preview,
        title: format!(
            "Preview · {} staged · a applies · Esc back",
            state.staged.len()
        ),
        lines: preview(&state.staged),
        scroll: 0,
    };
    let items: Vec<_> = state
        .staged
        .items
        .iter()
        .filter(|s| s.checks.is_empty())
        .filter_map(|s| Some((s.id, s.plan()?.clone())))
        .collect();
    if items.is_empty() {
        Vec::new()
    } else {
        vec![Effect::DryRun { items }]
    }
}

/// Asks before applying (nothing to apply, still planning or read-only: says why not).
pub fn ask_apply(state: &mut AppState) {
    let refusal = if let Some(r) = read_only_reason(state) {
        Some(format!("{r}; nothing was applied"))
    } else if state.staged.is_empty() {
        Some("nothing staged to apply".into())
    } else if state.staged.planning() {
        Some("a change is still being planned; apply again in a moment".into())
    } else if state.applying {
        Some("an apply is already running".into())
    } else {
        None
    };
    if let Some(r) = refusal {
        state.status = Some(r);
        return;
    }
    state.modal = Modal::Confirm {
        prompt: format!(
            "Apply {} change(s) ({} object writes) to context {}? y applies, any other key cancels",
            state.staged.len(),
            state.staged.writes(),
            state.header.context
        ),
        action: ConfirmAction::Apply,
    };
}

pub(super) fn accept(state: &mut AppState, action: ConfirmAction) -> Vec<Effect> {
    match action {
        ConfirmAction::Apply => {
            state.applying = true;
            state.modal = Modal::Text {
                kind: TextKind::Results,
                title: "Applying…".into(),
                lines: Vec::new(),
                scroll: 0,
            };
            vec![Effect::Apply {
                items: state.staged.ready(),
            }]
        }
        ConfirmAction::Discard => {
            let n = state.staged.len();
            state.staged = Default::default();
            state.modal = Modal::None;
            state.status = Some(format!("discarded {n} staged change(s); nothing was sent"));
            Vec::new()
        }
        ConfirmAction::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
    }
}

/// Asks before dropping every staged change.
pub fn ask_discard(state: &mut AppState) {
    if state.staged.is_empty() {
        state.status = Some("nothing staged".into());
        return;
    }
    state.modal = Modal::Confirm {
        prompt: format!(
            "Discard {} staged change(s)? y discards, any other key keeps them",
            state.staged.len()
        ),
        action: ConfirmAction::Discard,
    };
}

/// Unstages the n-th change (1-based).
pub fn unstage(state: &mut AppState, n: usize) {
    let id = state.staged.items.get(n.wrapping_sub(1)).map(|s| s.id);
    match id.and_then(|id| state.staged.remove(id)) {
        Some(s) => state.status = Some(format!("unstaged: {}", s.intent.summary())),
        None => {
            state.status = Some(format!(
                "there is no staged change {n} ({} staged)",
                state.staged.len()
            ))
        }
    }
    if let Modal::Staged { selected } = &mut state.modal {
        *selected = (*selected).min(state.staged.len().saturating_sub(1));
    }
    refresh_preview(state);
}
