//! The one key table. The footer hints and the `?` help screen are generated from it, and
//! [`lookup`] is how `update` turns a key into an [`Action`].

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

const fn b(
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

/// Every binding. A key listed twice for one action (`j` and `↓`) shares the `keys` text; the
/// second entry has an empty hint so it is shown once.
pub const BINDINGS: &[Binding] = &[
    b(
        Context::Global,
        KeyCode::Char('q'),
        Action::Quit,
        "q",
        "quit",
        "Quit (also Ctrl-C)",
    ),
    Binding {
        context: Context::Global,
        code: KeyCode::Char('c'),
        modifiers: KeyModifiers::CONTROL,
        action: Action::Quit,
        keys: "Ctrl-C",
        hint: "",
        help: "Quit",
    },
    b(
        Context::Global,
        KeyCode::Char('?'),
        Action::Help,
        "?",
        "help",
        "Show or hide this help",
    ),
    b(
        Context::Global,
        KeyCode::Tab,
        Action::NextView,
        "Tab",
        "",
        "Next view",
    ),
    b(
        Context::Global,
        KeyCode::BackTab,
        Action::PrevView,
        "Shift-Tab",
        "",
        "Previous view",
    ),
    b(
        Context::Global,
        KeyCode::Char('1'),
        Action::View(0),
        "1",
        "",
        "Profiles view",
    ),
    b(
        Context::Global,
        KeyCode::Char('2'),
        Action::View(1),
        "2",
        "",
        "Users view",
    ),
    b(
        Context::Global,
        KeyCode::Char('3'),
        Action::View(2),
        "3",
        "",
        "Access matrix",
    ),
    b(
        Context::Global,
        KeyCode::Char('4'),
        Action::View(3),
        "4",
        "",
        "Roles chart",
    ),
    b(
        Context::Global,
        KeyCode::Char('5'),
        Action::View(4),
        "5",
        "",
        "Doctor findings",
    ),
    b(
        Context::Global,
        KeyCode::Char(':'),
        Action::Command,
        ":",
        "cmd",
        "Command: :profiles :users :access :roles :doctor :ctx NAME :q",
    ),
    b(
        Context::Global,
        KeyCode::Char('/'),
        Action::Filter,
        "/",
        "filter",
        "Filter rows (substring, case-insensitive; start with ! to invert)",
    ),
    b(
        Context::Global,
        KeyCode::Char('r'),
        Action::Refresh,
        "r",
        "",
        "Reconnect and re-list everything",
    ),
    b(
        Context::Global,
        KeyCode::Char('C'),
        Action::Staged,
        "C",
        "changes",
        "Staged changes: list, unstage (d), discard all (X), preview (p)",
    ),
    b(
        Context::Global,
        KeyCode::Char('p'),
        Action::Preview,
        "p",
        "preview",
        "Preview the staged changes: diff against the live objects, the YAML sent, a server dry run",
    ),
    b(
        Context::Profiles,
        KeyCode::Char('e'),
        Action::EditQuota,
        "e",
        "edit quota",
        "Edit the selected profile's quota in place (spec.resourceQuotaSpec)",
    ),
    b(
        Context::List,
        KeyCode::Char('t'),
        Action::SetRole,
        "t",
        "set role",
        "Set a role (admin/edit/view/none) for the user on the profile: the Access matrix cell, or a row of a drill-down",
    ),
    b(
        Context::List,
        KeyCode::Char('k'),
        Action::Up,
        "k/↑",
        "",
        "Move up",
    ),
    b(Context::List, KeyCode::Up, Action::Up, "k/↑", "", "Move up"),
    b(
        Context::List,
        KeyCode::Char('j'),
        Action::Down,
        "j/↓",
        "",
        "Move down",
    ),
    b(
        Context::List,
        KeyCode::Down,
        Action::Down,
        "j/↓",
        "",
        "Move down",
    ),
    b(
        Context::List,
        KeyCode::PageUp,
        Action::PageUp,
        "PgUp",
        "",
        "Page up",
    ),
    b(
        Context::List,
        KeyCode::PageDown,
        Action::PageDown,
        "PgDn",
        "",
        "Page down",
    ),
    b(
        Context::List,
        KeyCode::Char('g'),
        Action::Top,
        "g",
        "",
        "First row",
    ),
    b(
        Context::List,
        KeyCode::Home,
        Action::Top,
        "g",
        "",
        "First row",
    ),
    b(
        Context::List,
        KeyCode::Char('G'),
        Action::Bottom,
        "G",
        "",
        "Last row",
    ),
    b(
        Context::List,
        KeyCode::End,
        Action::Bottom,
        "G",
        "",
        "Last row",
    ),
    b(
        Context::List,
        KeyCode::Enter,
        Action::Enter,
        "Enter",
        "drill",
        "Drill in: profile → its users, user → its profiles, finding → its profile",
    ),
    b(
        Context::List,
        KeyCode::Esc,
        Action::Back,
        "Esc",
        "back",
        "Back out of a drill-down, or clear the filter",
    ),
    b(
        Context::List,
        KeyCode::Char('s'),
        Action::Sort,
        "s",
        "sort",
        "Sort by the next column",
    ),
    b(
        Context::List,
        KeyCode::Char('S'),
        Action::ReverseSort,
        "S",
        "",
        "Reverse the sort",
    ),
    b(
        Context::List,
        KeyCode::Char('y'),
        Action::Yaml,
        "y",
        "yaml",
        "Show the selected object's YAML",
    ),
    b(
        Context::Access,
        KeyCode::Char('h'),
        Action::Left,
        "h/←",
        "",
        "Matrix: column left",
    ),
    b(
        Context::Access,
        KeyCode::Left,
        Action::Left,
        "h/←",
        "",
        "Matrix: column left",
    ),
    b(
        Context::Access,
        KeyCode::Char('l'),
        Action::Right,
        "l/→",
        "",
        "Matrix: column right",
    ),
    b(
        Context::Access,
        KeyCode::Right,
        Action::Right,
        "l/→",
        "",
        "Matrix: column right",
    ),
    b(
        Context::Roles,
        KeyCode::Char('c'),
        Action::Compare,
        "c",
        "compare",
        "Roles: cycle compare mode (edit over view, admin over edit, off)",
    ),
    b(
        Context::Overlay,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "close",
        "Close the overlay",
    ),
    b(
        Context::Overlay,
        KeyCode::Char('q'),
        Action::Close,
        "q",
        "",
        "Close the overlay",
    ),
    b(
        Context::Overlay,
        KeyCode::Char('k'),
        Action::Up,
        "k/↑",
        "",
        "Scroll up",
    ),
    b(
        Context::Overlay,
        KeyCode::Up,
        Action::Up,
        "k/↑",
        "",
        "Scroll up",
    ),
    b(
        Context::Overlay,
        KeyCode::Char('j'),
        Action::Down,
        "j/↓",
        "",
        "Scroll down",
    ),
    b(
        Context::Overlay,
        KeyCode::Down,
        Action::Down,
        "j/↓",
        "",
        "Scroll down",
    ),
    b(
        Context::Overlay,
        KeyCode::PageUp,
        Action::PageUp,
        "PgUp",
        "",
        "Page up",
    ),
    b(
        Context::Overlay,
        KeyCode::PageDown,
        Action::PageDown,
        "PgDn",
        "",
        "Page down",
    ),
    b(
        Context::Overlay,
        KeyCode::Char('g'),
        Action::Top,
        "g",
        "",
        "Top",
    ),
    b(
        Context::Overlay,
        KeyCode::Char('G'),
        Action::Bottom,
        "G",
        "",
        "Bottom",
    ),
    b(
        Context::Editor,
        KeyCode::Char('k'),
        Action::Up,
        "k/↑",
        "",
        "Previous resource",
    ),
    b(
        Context::Editor,
        KeyCode::Up,
        Action::Up,
        "k/↑",
        "",
        "Previous resource",
    ),
    b(
        Context::Editor,
        KeyCode::Char('j'),
        Action::Down,
        "j/↓",
        "",
        "Next resource",
    ),
    b(
        Context::Editor,
        KeyCode::Down,
        Action::Down,
        "j/↓",
        "",
        "Next resource",
    ),
    b(
        Context::Editor,
        KeyCode::Enter,
        Action::EditValue,
        "Enter/e",
        "edit",
        "Edit the HARD value of the selected resource",
    ),
    b(
        Context::Editor,
        KeyCode::Char('e'),
        Action::EditValue,
        "Enter/e",
        "",
        "Edit the HARD value of the selected resource",
    ),
    b(
        Context::Editor,
        KeyCode::Char('a'),
        Action::AddKey,
        "a",
        "add",
        "Add a resource (Tab completes cpu, memory, requests.nvidia.com/gpu, ...)",
    ),
    b(
        Context::Editor,
        KeyCode::Char('d'),
        Action::RemoveKey,
        "d",
        "remove",
        "Remove the selected resource from the quota (again: keep it)",
    ),
    b(
        Context::Editor,
        KeyCode::Char('L'),
        Action::ToggleLimitRange,
        "L",
        "LimitRange",
        "Also create the LimitRange cpu-mem-limit-range (offered when the namespace has none)",
    ),
    b(
        Context::Editor,
        KeyCode::Char('s'),
        Action::StageEdit,
        "s",
        "stage",
        "Stage the edit (nothing is sent until you apply)",
    ),
    b(
        Context::Editor,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "cancel",
        "Close the editor without staging",
    ),
    b(
        Context::Field,
        KeyCode::Enter,
        Action::Commit,
        "Enter",
        "ok",
        "Take the value (refused with the reason when invalid)",
    ),
    b(
        Context::Field,
        KeyCode::Esc,
        Action::Cancel,
        "Esc",
        "cancel",
        "Drop what was typed",
    ),
    b(
        Context::Field,
        KeyCode::Tab,
        Action::Complete,
        "Tab",
        "complete",
        "Complete a resource name",
    ),
    b(
        Context::Picker,
        KeyCode::Char('a'),
        Action::PickRole(Some(Role::Admin)),
        "a",
        "admin",
        "kubeflow-admin (RoleBinding + AuthorizationPolicy)",
    ),
    b(
        Context::Picker,
        KeyCode::Char('e'),
        Action::PickRole(Some(Role::Edit)),
        "e",
        "edit",
        "kubeflow-edit",
    ),
    b(
        Context::Picker,
        KeyCode::Char('v'),
        Action::PickRole(Some(Role::View)),
        "v",
        "view",
        "kubeflow-view",
    ),
    b(
        Context::Picker,
        KeyCode::Char('n'),
        Action::PickRole(None),
        "n",
        "none",
        "No access: remove the pair",
    ),
    b(
        Context::Picker,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "cancel",
        "Keep the role as it is",
    ),
    b(
        Context::Staged,
        KeyCode::Char('k'),
        Action::Up,
        "k/↑",
        "",
        "Previous change",
    ),
    b(
        Context::Staged,
        KeyCode::Up,
        Action::Up,
        "k/↑",
        "",
        "Previous change",
    ),
    b(
        Context::Staged,
        KeyCode::Char('j'),
        Action::Down,
        "j/↓",
        "",
        "Next change",
    ),
    b(
        Context::Staged,
        KeyCode::Down,
        Action::Down,
        "j/↓",
        "",
        "Next change",
    ),
    b(
        Context::Staged,
        KeyCode::Char('d'),
        Action::Unstage,
        "d",
        "unstage",
        "Unstage the selected change",
    ),
    b(
        Context::Staged,
        KeyCode::Char('X'),
        Action::Discard,
        "X",
        "discard all",
        "Discard every staged change (asks first)",
    ),
    b(
        Context::Staged,
        KeyCode::Char('p'),
        Action::Preview,
        "p",
        "preview",
        "Preview the staged changes",
    ),
    b(
        Context::Staged,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "close",
        "Close the panel",
    ),
    b(
        Context::Preview,
        KeyCode::Char('a'),
        Action::Apply,
        "a",
        "apply",
        "Apply the staged changes (asks first)",
    ),
    b(
        Context::List,
        KeyCode::Char('n'),
        Action::Onboard,
        "n",
        "onboard",
        "Onboard a user: email, profile name, quota preset, LimitRange, contributors",
    ),
    b(
        Context::Form,
        KeyCode::Tab,
        Action::NextField,
        "Tab",
        "next",
        "Next field",
    ),
    b(
        Context::Form,
        KeyCode::Down,
        Action::NextField,
        "Tab",
        "",
        "Next field",
    ),
    b(
        Context::Form,
        KeyCode::BackTab,
        Action::PrevField,
        "Shift-Tab",
        "",
        "Previous field",
    ),
    b(
        Context::Form,
        KeyCode::Up,
        Action::PrevField,
        "Shift-Tab",
        "",
        "Previous field",
    ),
    b(
        Context::Form,
        KeyCode::Enter,
        Action::Submit,
        "Enter",
        "stage",
        "Stage the new profile (refused with the reason while a field is invalid)",
    ),
    b(
        Context::Form,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "cancel",
        "Close the form",
    ),
    b(
        Context::FormChoice,
        KeyCode::Right,
        Action::ChooseNext,
        "←/→/Space",
        "choose",
        "Preset: next/previous; LimitRange: on/off",
    ),
    b(
        Context::FormChoice,
        KeyCode::Left,
        Action::ChoosePrev,
        "←/→/Space",
        "",
        "Preset: next/previous; LimitRange: on/off",
    ),
    b(
        Context::FormChoice,
        KeyCode::Char(' '),
        Action::ChooseNext,
        "←/→/Space",
        "",
        "Preset: next/previous; LimitRange: on/off",
    ),
    b(
        Context::FormChoice,
        KeyCode::Char('e'),
        Action::EditCustom,
        "e",
        "edit custom",
        "Preset custom: open the quota editor",
    ),
    b(
        Context::List,
        KeyCode::Char('D'),
        Action::Offboard,
        "D",
        "",
        "Users: offboard the user (revoke everything); Profiles: delete the profile and its namespace. Lists what is lost; asks you to type the name",
    ),
    b(
        Context::Danger,
        KeyCode::Enter,
        Action::Submit,
        "Enter",
        "stage",
        "Stage it once the name typed matches",
    ),
    b(
        Context::Danger,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "cancel",
        "Keep everything",
    ),
    b(
        Context::List,
        KeyCode::Char('+'),
        Action::AddContributor,
        "+",
        "",
        "Add a contributor (email or group:NAME, and a role) to the selected profile or the profile drilled into",
    ),
    b(
        Context::Contributor,
        KeyCode::Enter,
        Action::Submit,
        "Enter",
        "stage",
        "Stage the contributor pair",
    ),
    b(
        Context::Contributor,
        KeyCode::Tab,
        Action::NextRole,
        "Tab",
        "role",
        "Next role (view, edit, admin)",
    ),
    b(
        Context::Contributor,
        KeyCode::Esc,
        Action::Close,
        "Esc",
        "cancel",
        "Close the form",
    ),
    b(
        Context::Doctor,
        KeyCode::Char('f'),
        Action::Fix,
        "f",
        "fix",
        "Stage the safe fix of the selected finding (the same doctor --fix makes)",
    ),
    b(
        Context::Doctor,
        KeyCode::Char('F'),
        Action::FixAll,
        "F",
        "fix all",
        "Stage every safe fix (also :fix)",
    ),
    b(
        Context::List,
        KeyCode::Char('E'),
        Action::EditYaml,
        "E",
        "",
        "Edit as YAML in $KUBE_EDITOR/$VISUAL/$EDITOR: a profile, a contributor's RoleBinding (in a profile's users), a finding's object; validated, diffed and staged",
    ),
    b(
        Context::List,
        KeyCode::Char(' '),
        Action::Mark,
        "Space",
        "mark",
        "Mark/unmark the row (Users, Profiles, Access): t then sets the role for every marked row, one staged change each",
    ),
    b(
        Context::Confirm,
        KeyCode::Char('y'),
        Action::Accept,
        "y",
        "yes",
        "Yes (any other key: no)",
    ),
];

fn matches(b: &Binding, key: &KeyEvent) -> bool {
    // Shift is part of the character for letters and symbols ('G', '?', ':').
    let mods = key.modifiers - KeyModifiers::SHIFT;
    b.code == key.code && b.modifiers - KeyModifiers::SHIFT == mods
}

/// The action of `key` in the first matching context of `contexts` (most specific first).
pub fn lookup(contexts: &[Context], key: &KeyEvent) -> Option<Action> {
    contexts.iter().find_map(|c| {
        BINDINGS
            .iter()
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
        for b in BINDINGS
            .iter()
            .filter(|b| b.context == *c && !b.hint.is_empty())
        {
            let shadowed = contexts[..i].iter().any(|earlier| {
                BINDINGS.iter().any(|o| {
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
            for b in BINDINGS.iter().filter(|b| b.context == *c) {
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
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
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
