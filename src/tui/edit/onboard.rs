//! The onboarding form (`n`): email and profile name validated live (the name derived from
//! the email as the dashboard does, editable, checked against the profiles and namespaces
//! the live data holds), a quota preset (read from `presets.yaml` in the user's config
//! directory, built-in ones when it is absent; `custom` opens the quota editor), the
//! LimitRange, and initial contributors. It produces an [`Intent::Onboard`].

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Intent;
use super::command::subject;
use super::quota::QuotaEditor;
use crate::model::{
    Email, ProfileName, Quantity, Quota, ResourceName, Role, Subject, UserIdFormat,
};
use crate::tui::field::Field;

/// A named quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Preset {
    /// `small`, `gpu`, ...
    pub name: String,
    /// Its limits.
    pub quota: Quota,
}

fn preset(name: &str, pairs: &[&str]) -> Option<Preset> {
    Some(Preset {
        name: name.into(),
        quota: Quota::from_pairs(pairs.iter().copied()).ok()?,
    })
}

/// The presets used when the user has no presets file.
pub fn builtin_presets() -> Vec<Preset> {
    [
        preset("small", &["cpu=2", "memory=8Gi"]),
        preset("medium", &["cpu=8", "memory=32Gi"]),
        preset("large", &["cpu=32", "memory=128Gi"]),
        preset(
            "gpu",
            &["cpu=16", "memory=64Gi", "requests.nvidia.com/gpu=2"],
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// `$XDG_CONFIG_HOME/kubectl-kubeflow/presets.yaml` (or `~/.config/...`).
pub fn presets_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("kubectl-kubeflow").join("presets.yaml"))
}

/// Parses a presets file: a map of preset name to a map of resource to quantity, e.g.
/// `small: {cpu: "2", memory: 8Gi}`. Every value is validated like a quota.
pub fn parse_presets(text: &str) -> Result<Vec<Preset>, String> {
    let raw: BTreeMap<String, BTreeMap<String, serde_json::Value>> =
        serde_saphyr::from_str(text).map_err(|e| crate::manifest::output::yaml_error(&e))?;
    let mut out = Vec::new();
    for (name, limits) in raw {
        let mut quota = Quota::new();
        for (k, v) in limits {
            let v = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            let (key, value) = Quota::parse_pair(&format!("{k}={v}"))
                .map_err(|e| format!("preset {name}: {e}"))?;
            quota
                .insert_unique(key, value)
                .map_err(|e| format!("preset {name}: {e}"))?;
        }
        out.push(Preset { name, quota });
    }
    if out.is_empty() {
        return Err("the file defines no presets".into());
    }
    Ok(out)
}

/// The presets to offer and, when the user's file could not be used, why.
pub fn load_presets() -> (Vec<Preset>, Option<String>) {
    load_presets_from(presets_path())
}

/// [`load_presets`] from `path`: its presets, the built-in ones when it is absent, and the
/// built-in ones with the reason when it cannot be read or parsed.
pub fn load_presets_from(path: Option<PathBuf>) -> (Vec<Preset>, Option<String>) {
    let Some(path) = path else {
        return (builtin_presets(), None);
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => match parse_presets(&text) {
            Ok(p) => (p, None),
            Err(e) => (
                builtin_presets(),
                Some(format!(
                    "{}: {e}; using the built-in presets",
                    path.display()
                )),
            ),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (builtin_presets(), None),
        Err(e) => (
            builtin_presets(),
            Some(format!(
                "cannot read {}: {e}; using the built-in presets",
                path.display()
            )),
        ),
    }
}

/// The form's fields, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// The user's email.
    Email,
    /// The profile (and namespace) name.
    Profile,
    /// The quota preset.
    Preset,
    /// The LimitRange toggle.
    LimitRange,
    /// `email:role, ...`.
    Contributors,
}

const ORDER: [Focus; 5] = [
    Focus::Email,
    Focus::Profile,
    Focus::Preset,
    Focus::LimitRange,
    Focus::Contributors,
];

/// What the live data says about a name (`Some(reason)`: taken).
pub type Taken<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The onboarding form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnboardForm {
    /// Email.
    pub email: Field,
    /// Profile name.
    pub profile: Field,
    /// The user typed a name (no more deriving it from the email).
    pub profile_edited: bool,
    /// The presets offered.
    pub presets: Vec<Preset>,
    /// 0 = no quota, 1..=n = a preset, n+1 = custom.
    pub choice: usize,
    /// The custom quota (from the quota editor).
    pub custom: BTreeMap<ResourceName, Quantity>,
    /// Create the LimitRange.
    pub limit_range: bool,
    /// `email:role, ...`.
    pub contributors: Field,
    /// Focused field.
    pub focus: Focus,
    /// Why the last submit was refused.
    pub error: Option<String>,
    /// The custom quota editor, while open.
    pub editor: Option<Box<QuotaEditor>>,
    /// The live problem of each field, as of the last key (see [`OnboardForm::problems`]).
    pub issues: Vec<(Focus, String)>,
    /// How the owner and contributors are checked (`--user-id-format`).
    pub ids: UserIdFormat,
}

impl OnboardForm {
    /// An empty form offering `presets`, checking users in `ids`.
    pub fn new(presets: Vec<Preset>, ids: UserIdFormat) -> Self {
        OnboardForm {
            email: Field::default(),
            profile: Field::default(),
            profile_edited: false,
            presets,
            choice: 0,
            custom: BTreeMap::new(),
            limit_range: true,
            contributors: Field::default(),
            focus: Focus::Email,
            error: None,
            editor: None,
            issues: Vec::new(),
            ids,
        }
    }

    /// The focused text field, if the focus is on one.
    pub fn text_field(&mut self) -> Option<&mut Field> {
        match self.focus {
            Focus::Email => Some(&mut self.email),
            Focus::Profile => Some(&mut self.profile),
            Focus::Contributors => Some(&mut self.contributors),
            Focus::Preset | Focus::LimitRange => None,
        }
    }

    /// After typing: keep the profile name derived from the email until the user edits it.
    pub fn typed(&mut self) {
        match self.focus {
            Focus::Profile => self.profile_edited = !self.profile.text().is_empty(),
            Focus::Email if !self.profile_edited => {
                let derived = self
                    .ids
                    .parse(self.email.text().trim())
                    .ok()
                    .and_then(|e| ProfileName::from_email(&e).ok())
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                self.profile.set(&derived);
            }
            _ => {}
        }
        self.error = None;
    }

    /// Tab / Shift-Tab.
    pub fn move_focus(&mut self, forward: bool) {
        let i = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
        let n = ORDER.len();
        self.focus = ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }];
    }

    /// ←/→ on the preset, Space on the LimitRange.
    pub fn choose(&mut self, forward: bool) {
        match self.focus {
            Focus::Preset => {
                let n = self.presets.len() + 2;
                self.choice = if forward {
                    (self.choice + 1) % n
                } else {
                    (self.choice + n - 1) % n
                };
            }
            Focus::LimitRange => self.limit_range = !self.limit_range,
            _ => {}
        }
    }

    /// The label of the current choice.
    pub fn choice_label(&self) -> String {
        match self.choice {
            0 => "none (no quota)".into(),
            i if i <= self.presets.len() => self.presets[i - 1].name.clone(),
            _ => "custom".into(),
        }
    }

    /// True when `custom` is chosen.
    pub fn is_custom(&self) -> bool {
        self.choice == self.presets.len() + 1
    }

    /// The quota the choice gives.
    pub fn quota(&self) -> BTreeMap<ResourceName, Quantity> {
        match self.choice {
            0 => BTreeMap::new(),
            i if i <= self.presets.len() => self.presets[i - 1]
                .quota
                .iter()
                .map(|(k, v)| (k.clone(), *v))
                .collect(),
            _ => self.custom.clone(),
        }
    }

    /// Opens the quota editor on the custom quota.
    pub fn open_editor(&mut self) {
        let name = ProfileName::parse(self.profile.text().trim())
            .or_else(|_| ProfileName::parse("new-profile"));
        if let Ok(profile) = name {
            self.editor = Some(Box::new(QuotaEditor::blank(profile, &self.custom)));
        }
    }

    fn parse_email(&self) -> Result<Email, String> {
        self.ids
            .parse(self.email.text().trim())
            .map_err(|e| e.to_string())
    }

    fn parse_profile(&self, taken: Taken) -> Result<ProfileName, String> {
        let name = ProfileName::parse(self.profile.text().trim()).map_err(|e| e.to_string())?;
        match taken(name.as_str()) {
            Some(why) => Err(why),
            None => Ok(name),
        }
    }

    fn parse_contributors(&self, owner: Option<&Email>) -> Result<Vec<(Subject, Role)>, String> {
        let mut out: Vec<(Subject, Role)> = Vec::new();
        for item in self
            .contributors
            .text()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (who, role) = item.rsplit_once(':').ok_or_else(|| {
                format!("contributor {item:?}: write EMAIL:ROLE, e.g. bob@example.com:edit")
            })?;
            let role: Role = role
                .trim()
                .parse()
                .map_err(|e: crate::model::RoleError| format!("contributor {item:?}: {e}"))?;
            let s =
                subject(who.trim(), self.ids).map_err(|e| format!("contributor {item:?}: {e}"))?;
            if owner.is_some_and(|o| s == Subject::User(o.clone())) {
                return Err(format!(
                    "contributor {item:?} is the owner, who gets admin through the profile anyway"
                ));
            }
            if out.iter().any(|(o, _)| *o == s) {
                return Err(format!("contributor {} is listed twice", s.name()));
            }
            out.push((s, role));
        }
        Ok(out)
    }

    /// The live problem of each field (shown under it).
    pub fn problems(&self, taken: Taken) -> Vec<(Focus, String)> {
        let mut out = Vec::new();
        let email = self.parse_email();
        if !self.email.text().trim().is_empty()
            && let Err(e) = &email
        {
            out.push((Focus::Email, e.clone()));
        }
        if !self.profile.text().trim().is_empty()
            && let Err(e) = self.parse_profile(taken)
        {
            out.push((Focus::Profile, e));
        }
        if self.is_custom() && self.custom.is_empty() {
            out.push((Focus::Preset, "custom: e opens the quota editor".into()));
        }
        if let Err(e) = self.parse_contributors(email.as_ref().ok()) {
            out.push((Focus::Contributors, e));
        }
        out
    }

    /// Warnings about the email (`Dana@…` is case-sensitive in Kubeflow, ...).
    pub fn warnings(&self) -> Vec<String> {
        self.parse_email().map(|e| e.warnings()).unwrap_or_default()
    }

    /// Enter: the intent, or the first problem.
    pub fn submit(&self, taken: Taken) -> Result<Intent, String> {
        let email = self.parse_email()?;
        let profile = self.parse_profile(taken)?;
        if let Some((_, p)) = self.problems(taken).into_iter().next() {
            return Err(p);
        }
        Ok(Intent::Onboard {
            email,
            profile,
            quota: self.quota(),
            limit_range: self.limit_range,
            contributors: self.parse_contributors(None)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn presets_files_are_validated_like_quotas() {
        let p =
            parse_presets("small: {cpu: 2, memory: 8Gi}\nml:\n  requests.nvidia.com/gpu: \"1\"\n")
                .unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].name, "small");
        assert!(
            parse_presets("bad: {pods: \"0.5\"}")
                .unwrap_err()
                .contains("preset bad")
        );
        assert!(parse_presets("{}").is_err());
        assert!(parse_presets("- a").is_err());
        assert_eq!(builtin_presets().len(), 4);
    }
}
