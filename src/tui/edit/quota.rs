//! The quota editor: one row per resource with USED and HARD side by side, HARD edited in
//! place, keys added (with completion of the common ones) and removed, validated live with
//! the same rules the CLI and kube-apiserver apply. It produces an [`Intent::Quota`]; the
//! write goes to `Profile.spec.resourceQuotaSpec` only.

use std::collections::{BTreeMap, BTreeSet};

use super::Intent;
use crate::model::quota::COMMON_RESOURCES;
use crate::model::quota_rules::{name_problem, value_problem};
use crate::model::{ProfileName, Quantity, ResourceName};
use crate::tenancy::ProfileRow;
use crate::tui::field::Field;

/// One resource of the profile's quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaRow {
    /// Resource name.
    pub resource: String,
    /// `status.used` of `kf-resource-quota`.
    pub used: Option<String>,
    /// The live `spec.resourceQuotaSpec.hard` value (`None`: added in this editor).
    pub live: Option<String>,
    /// The value as edited.
    pub value: String,
    /// Marked for removal.
    pub removed: bool,
}

impl QuotaRow {
    /// Edited (value differs from the live one, added, or removed).
    pub fn changed(&self) -> bool {
        self.removed || self.live.as_deref() != Some(self.value.as_str())
    }

    /// Why the value would be refused (the quantity grammar, the API server's quota rules).
    pub fn problem(&self) -> Option<String> {
        if self.removed {
            return None;
        }
        value_error(&self.resource, &self.value).err()
    }

    /// A warning when the new limit is below what the namespace uses now.
    pub fn below_usage(&self) -> Option<String> {
        let used = Quantity::parse(self.used.as_deref()?).ok()?;
        let hard = Quantity::parse(&self.value).ok()?;
        (!self.removed && self.changed() && hard < used).then(|| {
            format!(
                "below current usage ({used}): running pods keep running, new pods are rejected until usage drops"
            )
        })
    }
}

/// What the input line edits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Editing {
    /// Nothing: keys move and act on rows.
    None,
    /// The HARD value of the selected row.
    Value(Field),
    /// The name of a resource to add.
    Key(Field),
}

/// The editor's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaEditor {
    /// The profile.
    pub profile: ProfileName,
    /// One row per resource, sorted by name (added ones at the end).
    pub rows: Vec<QuotaRow>,
    /// Selected row.
    pub selected: usize,
    /// The input line.
    pub editing: Editing,
    /// The namespace has a LimitRange.
    pub has_limit_range: bool,
    /// Add the seed's `cpu-mem-limit-range` to the change set.
    pub add_limit_range: bool,
    /// Why the last Enter was refused.
    pub error: Option<String>,
}

/// Validates `text` as the HARD value of `resource`.
pub fn value_error(resource: &str, text: &str) -> Result<Quantity, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{resource}: give a value (e.g. 4, 500m, 16Gi)"));
    }
    let q = Quantity::parse(text).map_err(|e| format!("{resource}: {e}"))?;
    if q.is_negative() {
        return Err(format!(
            "{resource}: quota limits must be zero or more, not {text}"
        ));
    }
    match value_problem(resource, &q) {
        Some(p) => Err(p),
        None => Ok(q),
    }
}

/// Validates `text` as a resource name to add (aliases such as `gpu` expand).
pub fn key_error(text: &str) -> Result<ResourceName, String> {
    let name = ResourceName::parse_alias(text.trim()).map_err(|e| e.to_string())?;
    match name_problem(name.as_str()) {
        Some(p) => Err(p),
        None => Ok(name),
    }
}

impl QuotaEditor {
    /// An editor on `p`'s quota as the live data has it.
    pub fn open(p: &ProfileRow) -> Option<QuotaEditor> {
        let profile = ProfileName::parse(&p.name).ok()?;
        let mut rows: Vec<QuotaRow> = p
            .quota
            .iter()
            .map(|q| QuotaRow {
                resource: q.resource.clone(),
                used: q.used.clone(),
                live: Some(q.hard.clone()),
                value: q.hard.clone(),
                removed: false,
            })
            .collect();
        rows.sort_by(|a, b| a.resource.cmp(&b.resource));
        Some(QuotaEditor {
            profile,
            rows,
            selected: 0,
            editing: Editing::None,
            has_limit_range: p.limit_range,
            add_limit_range: false,
            error: None,
        })
    }

    /// An editor on a quota that does not exist yet (the onboarding form's custom quota);
    /// the form has its own LimitRange toggle, so none is offered here.
    pub fn blank(profile: ProfileName, quota: &BTreeMap<ResourceName, Quantity>) -> QuotaEditor {
        QuotaEditor {
            profile,
            rows: quota
                .iter()
                .map(|(k, v)| QuotaRow {
                    resource: k.to_string(),
                    used: None,
                    live: None,
                    value: v.to_string(),
                    removed: false,
                })
                .collect(),
            selected: 0,
            editing: Editing::None,
            has_limit_range: true,
            add_limit_range: false,
            error: None,
        }
    }

    /// The quota the rows make (for a blank editor: every row not removed).
    pub fn values(&self) -> Result<BTreeMap<ResourceName, Quantity>, String> {
        let mut out = BTreeMap::new();
        for r in self.rows.iter().filter(|r| !r.removed) {
            let name = ResourceName::parse(&r.resource).map_err(|e| e.to_string())?;
            out.insert(name, value_error(&r.resource, &r.value)?);
        }
        Ok(out)
    }

    /// The selected row.
    pub fn row(&self) -> Option<&QuotaRow> {
        self.rows.get(self.selected)
    }

    /// Moves the selection.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.rows.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Starts editing the selected row's HARD value.
    pub fn edit_value(&mut self) {
        if let Some(r) = self.rows.get(self.selected) {
            self.editing = Editing::Value(Field::new(&r.value));
            self.error = None;
        }
    }

    /// Starts typing a resource name to add.
    pub fn add_key(&mut self) {
        self.editing = Editing::Key(Field::new(""));
        self.error = None;
    }

    /// The live problem of the text being typed (shown under the field; Enter is refused).
    pub fn field_problem(&self) -> Option<String> {
        match &self.editing {
            Editing::None => None,
            Editing::Value(f) => {
                let resource = self.row().map(|r| r.resource.as_str()).unwrap_or("");
                value_error(resource, f.text()).err()
            }
            Editing::Key(f) if f.text().trim().is_empty() => None,
            Editing::Key(f) => key_error(f.text()).err(),
        }
    }

    /// Common resource names not in the quota yet that start with the text typed.
    pub fn candidates(&self) -> Vec<&'static str> {
        let Editing::Key(f) = &self.editing else {
            return Vec::new();
        };
        let prefix = f.text().trim();
        COMMON_RESOURCES
            .iter()
            .copied()
            .filter(|c| c.starts_with(prefix) && !self.rows.iter().any(|r| r.resource == *c))
            .collect()
    }

    /// Tab: completes the name to the longest common prefix of the candidates.
    pub fn complete(&mut self) {
        let candidates = self.candidates();
        let Some(first) = candidates.first() else {
            return;
        };
        let common = candidates.iter().fold(first.to_string(), |acc, c| {
            acc.chars()
                .zip(c.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        });
        if let Editing::Key(f) = &mut self.editing
            && common.len() > f.text().trim().len()
        {
            f.set(&common);
        }
    }

    /// Enter: takes the value or name typed, or refuses it with the reason.
    pub fn commit(&mut self) {
        match std::mem::replace(&mut self.editing, Editing::None) {
            Editing::None => {}
            Editing::Value(f) => match self.row().map(|r| value_error(&r.resource, f.text())) {
                Some(Ok(q)) => {
                    if let Some(r) = self.rows.get_mut(self.selected) {
                        // Keep the live spelling when the amount is the same.
                        let same = r
                            .live
                            .as_deref()
                            .and_then(|l| Quantity::parse(l).ok())
                            .is_some_and(|l| l == q);
                        if same {
                            r.value = r.live.clone().unwrap_or_default();
                        } else {
                            r.value = f.text().trim().to_string();
                        }
                        r.removed = false;
                    }
                    self.error = None;
                }
                Some(Err(e)) => {
                    self.error = Some(e);
                    self.editing = Editing::Value(f);
                }
                None => {}
            },
            Editing::Key(f) => match key_error(f.text()) {
                Ok(name) => {
                    self.error = None;
                    if let Some(i) = self.rows.iter().position(|r| r.resource == name.as_str()) {
                        self.selected = i;
                    } else {
                        self.rows.push(QuotaRow {
                            resource: name.as_str().to_string(),
                            used: None,
                            live: None,
                            value: String::new(),
                            removed: false,
                        });
                        self.selected = self.rows.len() - 1;
                    }
                    self.edit_value();
                }
                Err(e) => {
                    self.error = Some(e);
                    self.editing = Editing::Key(f);
                }
            },
        }
    }

    /// Esc in the input line: drops what was typed (a row just added without a value goes).
    pub fn cancel(&mut self) {
        self.editing = Editing::None;
        self.error = None;
        if let Some(r) = self.rows.get(self.selected)
            && r.live.is_none()
            && r.value.is_empty()
        {
            self.rows.remove(self.selected);
            self.move_by(0);
        }
    }

    /// `d`: marks the selected limit for removal (again: keeps it); an added one goes.
    pub fn toggle_remove(&mut self) {
        let Some(r) = self.rows.get_mut(self.selected) else {
            return;
        };
        if r.live.is_none() {
            self.rows.remove(self.selected);
            self.move_by(0);
        } else {
            r.removed = !r.removed;
            if !r.removed && r.problem().is_some() {
                r.value = r.live.clone().unwrap_or_default();
            }
        }
    }

    /// `L`: add the LimitRange too (only offered when the namespace has none).
    pub fn toggle_limit_range(&mut self) -> Result<(), String> {
        if self.has_limit_range {
            return Err(format!(
                "namespace {} already has a LimitRange",
                self.profile
            ));
        }
        self.add_limit_range = !self.add_limit_range;
        Ok(())
    }

    /// The quota after the edit is non-empty and the namespace has no LimitRange: pods
    /// without requests will be rejected, so the editor offers to add one.
    pub fn offers_limit_range(&self) -> bool {
        !self.has_limit_range && self.rows.iter().any(|r| !r.removed)
    }

    /// The intent to stage: `Ok(None)` when nothing changed; `Err` names the first invalid row.
    pub fn intent(&self) -> Result<Option<Intent>, String> {
        if let Some(e) = self.rows.iter().find_map(QuotaRow::problem) {
            return Err(format!("fix this first: {e}"));
        }
        let mut set = BTreeMap::new();
        let mut unset = BTreeSet::new();
        for r in self.rows.iter().filter(|r| r.changed()) {
            let name = ResourceName::parse(&r.resource).map_err(|e| e.to_string())?;
            if r.removed {
                if r.live.is_some() {
                    unset.insert(name);
                }
            } else {
                set.insert(name, value_error(&r.resource, &r.value)?);
            }
        }
        if set.is_empty() && unset.is_empty() && !self.add_limit_range {
            return Ok(None);
        }
        Ok(Some(Intent::Quota {
            profile: self.profile.clone(),
            set,
            unset,
            limit_range: self.add_limit_range,
        }))
    }
}
