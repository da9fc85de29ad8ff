//! The one key table. The footer hints and the `?` help screen are generated from it, and
//! [`lookup`] is how `update` turns a key into an [`Action`].

mod browse;
mod edit;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use browse::BINDINGS;
pub use edit::EDIT_BINDINGS;

use crate::model::Role;

/// Which bindings apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Context {
    /// Everywhere (unless an overlay or text input has the keyboard).
    Global,
    /// Tables (profiles, users, roles, doctor, access rows).
    List,
    /// Only the access matrix.
    Access,
    /// Only the roles chart.
    Roles,
    /// The YAML and help overlays, the preview and results.
    Overlay,
    /// Only the Profiles view.
    Profiles,
    /// The quota editor's rows.
    Editor,
    /// A text field of an editor or form.
    Field,
    /// The role picker.
    Picker,
    /// The staged changes panel.
    Staged,
    /// The preview of the staged changes.
    Preview,
    /// A yes/no question.
    Confirm,
    /// The onboarding form.
    Form,
    /// The form's choice fields (preset, LimitRange).
    FormChoice,
    /// The typed confirmation of a destructive change.
    Danger,
    /// Only the Doctor view.
    Doctor,
    /// The add-contributor form.
    Contributor,
}

/// What a key does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Leave.
    Quit,
    /// Toggle the help overlay.
    Help,
    /// Next view.
    NextView,
    /// Previous view.
    PrevView,
    /// Jump to view n (0-based).
    View(usize),
    /// Open the `:` command line.
    Command,
    /// Open the `/` filter.
    Filter,
    /// Restart the watches.
    Refresh,
    /// Selection up.
    Up,
    /// Selection down.
    Down,
    /// A page up.
    PageUp,
    /// A page down.
    PageDown,
    /// First row.
    Top,
    /// Last row.
    Bottom,
    /// Drill in.
    Enter,
    /// Back out of a drill-down, or clear the filter.
    Back,
    /// Sort by the next column.
    Sort,
    /// Reverse the sort.
    ReverseSort,
    /// Show the selected object's YAML.
    Yaml,
    /// Matrix column left.
    Left,
    /// Matrix column right.
    Right,
    /// Cycle the roles compare mode.
    Compare,
    /// Close the overlay.
    Close,
    /// Open the quota editor of the selected profile.
    EditQuota,
    /// Set the role of one subject on one profile.
    SetRole,
    /// Open the staged changes panel.
    Staged,
    /// Preview the staged changes (diff, YAML, server dry run).
    Preview,
    /// Apply the staged changes (asks first).
    Apply,
    /// Editor: edit the selected value.
    EditValue,
    /// Editor: add a resource.
    AddKey,
    /// Editor: remove (or keep) the selected resource.
    RemoveKey,
    /// Editor: add the LimitRange too.
    ToggleLimitRange,
    /// Editor: stage the edit.
    StageEdit,
    /// Field: take the text.
    Commit,
    /// Field: drop the text.
    Cancel,
    /// Field: complete the text.
    Complete,
    /// Picker: this role (`None`: no access).
    PickRole(Option<Role>),
    /// Staged panel: unstage the selected change.
    Unstage,
    /// Drop every staged change (asks first).
    Discard,
    /// Confirm: yes.
    Accept,
    /// Open the onboarding form.
    Onboard,
    /// Form: next field.
    NextField,
    /// Form: previous field.
    PrevField,
    /// Form: stage what it says.
    Submit,
    /// Form: next choice.
    ChooseNext,
    /// Form: previous choice.
    ChoosePrev,
    /// Form: edit the custom quota.
    EditCustom,
    /// Offboard the selected user / delete the selected profile (typed confirmation).
    Offboard,
    /// Add a contributor to the selected profile.
    AddContributor,
    /// Doctor: stage the safe fix of the selected finding.
    Fix,
    /// Doctor: stage every safe fix.
    FixAll,
    /// Contributor form: next role.
    NextRole,
    /// Edit the selected object as YAML in `$EDITOR`.
    EditYaml,
    /// Mark or unmark the selected row.
    Mark,
}

/// One binding.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    /// Where it applies.
    pub context: Context,
    /// The key.
    pub code: KeyCode,
    /// Required modifiers (exact).
    pub modifiers: KeyModifiers,
    /// What it does.
    pub action: Action,
    /// How the key is written in hints (`j/↓`).
    pub keys: &'static str,
    /// Short footer label; empty: help screen only.
    pub hint: &'static str,
    /// Help screen text.
    pub help: &'static str,
}

const NONE: KeyModifiers = KeyModifiers::NONE;

pub(crate) const fn b(
    context: Context,
    code: KeyCode,
    action: Action,
    keys: &'static str,
    hint: &'static str,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        code,
        modifiers: NONE,
        action,
        keys,
        hint,
        help,
    }
}

/// The whole key table: the browsing bindings, then the editing ones.
pub fn bindings() -> impl Iterator<Item = &'static Binding> {
    BINDINGS.iter().chain(EDIT_BINDINGS)
}

fn matches(b: &Binding, key: &KeyEvent) -> bool {
    // Shift is part of the character for letters and symbols ('G', '?', ':').
    let mods = key.modifiers - KeyModifiers::SHIFT;
    b.code == key.code && b.modifiers - KeyModifiers::SHIFT == mods
}

/// The action of `key` in the first matching context of `contexts` (most specific first).
pub fn lookup(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|c| {
        bindings()
            .find(|b| b.context == *c && matches(b, key))
            .map(|b| b.action)
    })
}

/// Footer hints for the active contexts (most specific first, as for [`lookup`]): `key
/// label` pairs, once per label, skipping keys a more specific context shadows; the global
/// ones come first because they matter most on a narrow terminal.
pub fn hints(contexts: &[Context]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(bool, &'static str, &'static str)> = Vec::new();
    for (i, c) in contexts.iter().enumerate() {
        for b in bindings().filter(|b| b.context == *c && !b.hint.is_empty()) {
            let shadowed = contexts[..i].iter().any(|earlier| {
                bindings().any(|o| {
                    o.context == *earlier && o.code == b.code && o.modifiers == b.modifiers
                })
            });
            if !shadowed && !out.iter().any(|(_, _, h)| *h == b.hint) {
                out.push((*c == Context::Global, b.keys, b.hint));
            }
        }
    }
    out.sort_by_key(|(global, _, _)| !*global);
    out.into_iter().map(|(_, k, h)| (k, h)).collect()
}

/// Help screen sections: context title and `(keys, help)` lines, duplicates folded.
pub fn help() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let sections = [
        (Context::Global, "Everywhere"),
        (Context::List, "Lists"),
        (Context::Access, "Access matrix"),
        (Context::Roles, "Roles chart"),
        (Context::Profiles, "Profiles"),
        (Context::Editor, "Quota editor"),
        (Context::Field, "Text fields"),
        (Context::Picker, "Role picker"),
        (Context::Staged, "Staged changes"),
        (Context::Preview, "Preview"),
        (Context::Confirm, "Questions"),
        (Context::Form, "Onboarding form"),
        (Context::FormChoice, "Onboarding form choices"),
        (Context::Danger, "Offboard / delete confirmation"),
        (Context::Doctor, "Doctor"),
        (Context::Contributor, "Add contributor"),
        (Context::Overlay, "YAML, help, preview and results"),
    ];
    sections
        .iter()
        .map(|(c, title)| {
            let mut lines: Vec<(&'static str, &'static str)> = Vec::new();
            for b in bindings().filter(|b| b.context == *c) {
                if !lines.iter().any(|(k, h)| *k == b.keys && *h == b.help) {
                    lines.push((b.keys, b.help));
                }
            }
            (*title, lines)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        let all: Vec<&Binding> = bindings().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(
                    !(a.context == b.context && a.code == b.code && a.modifiers == b.modifiers),
                    "{:?} bound twice in {:?}",
                    a.code,
                    a.context
                );
            }
        }
    }

    #[test]
    fn specific_contexts_win_and_shifted_letters_match() {
        let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(&[Context::List, Context::Global], &key('G')),
            Some(Action::Bottom)
        );
        let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
        assert_eq!(
            lookup(&[Context::Overlay, Context::Global], &esc),
            Some(Action::Close)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            lookup(&[Context::Roles, Context::Global], &ctrl_c),
            Some(Action::Quit)
        );
        let c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(
            lookup(&[Context::Roles, Context::Global], &c),
            Some(Action::Compare)
        );
    }

    #[test]
    fn hints_and_help_come_from_the_table() {
        let h = hints(&[Context::List, Context::Global]);
        assert!(h.contains(&("/", "filter")) && h.contains(&("Enter", "drill")));
        assert_eq!(h[0], ("q", "quit"), "global hints first");
        // In an overlay q closes it: the footer must not claim q quits.
        let h = hints(&[Context::Overlay, Context::Global]);
        assert!(!h.contains(&("q", "quit")), "{h:?}");
        let help = help();
        assert_eq!(help.len(), 17);
        assert!(help[1].1.iter().any(|(k, _)| *k == "j/↓"));
        assert_eq!(help[1].1.iter().filter(|(k, _)| *k == "j/↓").count(), 1);
    }
}
