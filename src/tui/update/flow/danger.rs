//! Offboarding and profile deletion behind a typed confirmation (`D`).

#[allow(clippy::wildcard_imports)]
use super::*;

/// `D`: offboard the selected user (Users) or delete the selected profile (Profiles); opens
/// the typed confirmation and counts what would be lost.
pub fn open_danger(state: &mut AppState) -> Vec<Effect> {
    let Some(id) = state.table().selected_row().map(|r| r.id.clone()) else {
        state.status = Some("no row selected".into());
        return Vec::new();
    };
    let intent = match state.view {
        ViewKind::Users => match subject_of(state, &id) {
            Ok(subject) => Intent::Offboard { subject },
            Err(e) => {
                state.status = Some(e);
                return Vec::new();
            }
        },
        ViewKind::Profiles => match ProfileName::parse(&id) {
            Ok(profile) => Intent::DeleteProfile { profile },
            Err(e) => {
                state.status = Some(e.to_string());
                return Vec::new();
            }
        },
        _ => {
            state.status =
                Some("D offboards a user (Users view) or deletes a profile (Profiles view)".into());
            return Vec::new();
        }
    };
    state.modal = Modal::Danger(Box::new(Danger {
        intent: intent.clone(),
        expected: id,
        field: Field::default(),
        inspected: None,
        error: None,
    }));
    vec![Effect::Inspect { intent }]
}

/// The plan and counts for the confirmation arrived.
pub fn on_inspected(
    state: &mut AppState,
    intent: Intent,
    result: Result<(crate::plan::Plan, Vec<NamespaceContents>), Failure>,
) {
    if let Modal::Danger(d) = &mut state.modal
        && d.intent == intent
    {
        d.inspected = Some(result);
    }
}

pub(super) fn on_danger(
    state: &mut AppState,
    action: Option<Action>,
    key: KeyEvent,
) -> Vec<Effect> {
    let Modal::Danger(d) = &mut state.modal else {
        return Vec::new();
    };
    match action {
        Some(Action::Close) => {
            state.modal = Modal::None;
            state.status = Some("cancelled; nothing was staged".into());
        }
        Some(Action::Submit) => {
            let plan = match &d.inspected {
                None => {
                    d.error = Some("still counting what would be lost; a moment".into());
                    return Vec::new();
                }
                Some(Err(f)) => {
                    d.error = Some(f.message.clone());
                    return Vec::new();
                }
                Some(Ok((plan, _))) => plan.clone(),
            };
            if d.field.text() != d.expected {
                d.error = Some(format!(
                    "type {} exactly to confirm (Esc keeps everything)",
                    d.expected
                ));
                return Vec::new();
            }
            if plan.is_noop() {
                let summary = d.intent.summary();
                state.modal = Modal::None;
                state.status = Some(format!("{summary}: nothing to change"));
                return Vec::new();
            }
            let intent = d.intent.clone();
            state.modal = Modal::None;
            let summary = intent.summary();
            state.staged.stage_planned(intent, plan);
            state.status = Some(format!("staged: {summary} (p previews, a applies)"));
        }
        _ => {
            d.field.input(key);
            d.error = None;
        }
    }
    Vec::new()
}
