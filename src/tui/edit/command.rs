//! The editing commands of the `:` line. They mirror the CLI and stage exactly what the
//! editors stage: `:onboard EMAIL [--profile NAME] [--cpu Q] [--memory Q] [--gpu Q] [--quota
//! KEY=Q] [--limit-range]`, `:quota PROFILE KEY=QTY ... -KEY [--limit-range]`, `:grant USER ROLE
//! PROFILE` (or `--cluster-wide` instead of PROFILE), `:revoke USER PROFILE` (or
//! `--cluster-wide`), `:preview`, `:apply`, `:staged`, `:unstage N`,
//! `:discard`, `:undo [ID]`. USER is an email or `group:NAME`.

use std::collections::{BTreeMap, BTreeSet};

use super::Intent;
use crate::model::{GroupName, ProfileName, Quota, ResourceName, Role, Subject, UserIdFormat};

/// An editing command.
#[derive(Clone, Debug, PartialEq)]
pub enum EditCommand {
    /// Stage this.
    Stage(Intent),
    /// Open the preview.
    Preview,
    /// Apply (asks first).
    Apply,
    /// Open the staged panel.
    Staged,
    /// Unstage the n-th change (1-based, as the panel numbers them).
    Unstage(usize),
    /// Drop all staged changes (asks first).
    Discard,
    /// Stage every safe doctor fix.
    FixAll,
}

/// The usage line of each command, for errors.
pub const USAGE: &str = ":onboard EMAIL [--profile NAME] [--cpu Q]... · :registration enable|disable · :fix · :quota PROFILE KEY=QTY... [-KEY]... [--limit-range] · :grant USER ROLE PROFILE · :revoke USER PROFILE · :preview · :apply · :staged · :unstage N · :discard · :history · :undo [ID]";

/// Parses `USER`: an email (any login identity with `--user-id-format=any`), or
/// `group:NAME`.
pub fn subject(text: &str, ids: UserIdFormat) -> Result<Subject, String> {
    match text.strip_prefix("group:") {
        Some(g) => GroupName::parse(g)
            .map(Subject::Group)
            .map_err(|e| e.to_string()),
        None => ids
            .parse(text)
            .map(Subject::User)
            .map_err(|e| format!("{e} (a group is written group:NAME)")),
    }
}

fn profile(text: &str) -> Result<ProfileName, String> {
    ProfileName::parse(text).map_err(|e| e.to_string())
}

fn quota(args: &[&str]) -> Result<Intent, String> {
    let [name, rest @ ..] = args else {
        return Err("usage: :quota PROFILE KEY=QTY... [-KEY]... [--limit-range]".into());
    };
    let profile = profile(name)?;
    let mut set = Quota::new();
    let mut unset = BTreeSet::new();
    let mut limit_range = false;
    for a in rest {
        if *a == "--limit-range" {
            limit_range = true;
        } else if let Some(key) = a.strip_prefix('-') {
            unset.insert(ResourceName::parse_alias(key).map_err(|e| e.to_string())?);
        } else {
            let (k, v) = Quota::parse_pair(a).map_err(|e| e.to_string())?;
            set.insert_unique(k, v).map_err(|e| e.to_string())?;
        }
    }
    if let Some(k) = set.iter().map(|(k, _)| k).find(|k| unset.contains(*k)) {
        return Err(format!("{k} is both set and removed; give it once"));
    }
    if set.is_empty() && unset.is_empty() && !limit_range {
        return Err(format!(
            "nothing to change on {profile}: give KEY=QTY to set, -KEY to remove, or --limit-range"
        ));
    }
    let set: BTreeMap<_, _> = set.iter().map(|(k, v)| (k.clone(), *v)).collect();
    Ok(Intent::Quota {
        profile,
        set,
        unset,
        limit_range,
    })
}

fn onboard(args: &[&str], ids: UserIdFormat) -> Result<Intent, String> {
    const USE: &str = "usage: :onboard EMAIL [--profile NAME] [--cpu Q] [--memory Q] [--gpu Q] [--quota KEY=Q]... [--limit-range]";
    let [email, rest @ ..] = args else {
        return Err(USE.into());
    };
    let email = ids.parse(email).map_err(|e| e.to_string())?;
    let mut name = None;
    let mut quota = Quota::new();
    let mut limit_range = false;
    let mut it = rest.iter();
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .copied()
                .ok_or_else(|| format!("{flag} needs a value; {USE}"))
        };
        let key = match *flag {
            "--limit-range" => {
                limit_range = true;
                continue;
            }
            "--profile" => {
                name = Some(profile(value()?)?);
                continue;
            }
            "--cpu" => "cpu",
            "--memory" => "memory",
            "--gpu" => "requests.nvidia.com/gpu",
            "--quota" => "",
            other => return Err(format!("unknown flag {other}; {USE}")),
        };
        let v = value()?;
        let pair = if key.is_empty() {
            v.to_string()
        } else {
            format!("{key}={v}")
        };
        let (k, q) = Quota::parse_pair(&pair).map_err(|e| e.to_string())?;
        quota.insert_unique(k, q).map_err(|e| e.to_string())?;
    }
    let profile = match name {
        Some(p) => p,
        None => ProfileName::from_email(&email).map_err(|e| format!("{e}; give --profile NAME"))?,
    };
    Ok(Intent::Onboard {
        email,
        profile,
        quota: quota.iter().map(|(k, v)| (k.clone(), *v)).collect(),
        limit_range,
        contributors: Vec::new(),
    })
}

/// Parses `cmd args` (users checked in `ids`); `None` when `cmd` is not an editing command.
pub fn parse(cmd: &str, args: &str, ids: UserIdFormat) -> Option<Result<EditCommand, String>> {
    let subject = |text: &str| subject(text, ids);
    let args: Vec<&str> = args.split_whitespace().collect();
    let result = match (cmd, args.as_slice()) {
        ("quota", a) => quota(a).map(EditCommand::Stage),
        ("onboard", a) => onboard(a, ids).map(EditCommand::Stage),
        ("grant", [user, role, "--cluster-wide"]) => (|| {
            let role: Role = role.parse().map_err(|e: crate::model::RoleError| e.to_string())?;
            Ok(EditCommand::Stage(Intent::ClusterWide {
                subject: subject(user)?,
                role: Some(role),
            }))
        })(),
        ("revoke", [user, "--cluster-wide"]) => subject(user).map(|subject| {
            EditCommand::Stage(Intent::ClusterWide {
                subject,
                role: None,
            })
        }),
        ("grant", [user, role, p]) => (|| {
            let role: Role = role
                .parse()
                .map_err(|e: crate::model::RoleError| e.to_string())?;
            Ok(EditCommand::Stage(Intent::Access {
                profile: profile(p)?,
                subject: subject(user)?,
                role: Some(role),
            }))
        })(),
        ("grant", _) => Err(
            "usage: :grant USER ROLE PROFILE, or :grant USER ROLE --cluster-wide (ROLE: admin, edit or view)".into(),
        ),
        ("revoke", [user, p]) => (|| {
            Ok(EditCommand::Stage(Intent::Access {
                profile: profile(p)?,
                subject: subject(user)?,
                role: None,
            }))
        })(),
        ("revoke", _) => Err("usage: :revoke USER PROFILE, or :revoke USER --cluster-wide".into()),
        ("registration", ["enable"]) => {
            Ok(EditCommand::Stage(Intent::Registration { enable: true }))
        }
        ("registration", ["disable"]) => {
            Ok(EditCommand::Stage(Intent::Registration { enable: false }))
        }
        ("registration", _) => Err("usage: :registration enable|disable".into()),
        ("undo", []) => Ok(EditCommand::Stage(Intent::Undo { id: None })),
        ("undo", [n]) => match n.parse::<u64>() {
            Ok(id) if id > 0 => Ok(EditCommand::Stage(Intent::Undo { id: Some(id) })),
            _ => Err(format!(
                "undo: {n:?} is not a change set number (:history lists them)"
            )),
        },
        ("undo", _) => Err("usage: :undo [ID] (:history lists the change sets)".into()),
        ("fix", []) => Ok(EditCommand::FixAll),
        ("preview", []) => Ok(EditCommand::Preview),
        ("apply", []) => Ok(EditCommand::Apply),
        ("staged" | "changes", []) => Ok(EditCommand::Staged),
        ("discard", []) => Ok(EditCommand::Discard),
        ("unstage", [n]) => match n.parse::<usize>() {
            Ok(n) if n > 0 => Ok(EditCommand::Unstage(n)),
            _ => Err(format!(
                "unstage: {n:?} is not a change number (the staged panel, C, numbers them from 1)"
            )),
        },
        ("unstage", _) => Err("usage: :unstage N".into()),
        ("preview" | "apply" | "staged" | "changes" | "discard" | "fix", _) => {
            Err(format!(":{cmd} takes no arguments"))
        }
        _ => return None,
    };
    Some(result)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parse(cmd: &str, args: &str) -> Option<Result<EditCommand, String>> {
        super::parse(cmd, args, UserIdFormat::Email)
    }

    #[test]
    fn quota_commands_stage_what_the_editor_stages() {
        let Some(Ok(EditCommand::Stage(Intent::Quota {
            profile,
            set,
            unset,
            limit_range,
        }))) = parse("quota", "team cpu=8 gpu=1 -pods --limit-range")
        else {
            panic!("not parsed");
        };
        assert_eq!(profile.as_str(), "team");
        assert_eq!(set.len(), 2);
        assert!(set.keys().any(|k| k.as_str() == "requests.nvidia.com/gpu"));
        assert_eq!(unset.iter().next().unwrap().as_str(), "pods");
        assert!(limit_range);
    }

    #[test]
    fn onboard_derives_the_name_and_takes_quota_flags() {
        let Some(Ok(EditCommand::Stage(Intent::Onboard {
            profile,
            quota,
            limit_range,
            ..
        }))) = parse(
            "onboard",
            "Ann.Lee@x.io --cpu 4 --quota pods=10 --limit-range",
        )
        else {
            panic!()
        };
        assert_eq!(profile.as_str(), "ann-lee");
        assert_eq!(quota.len(), 2);
        assert!(limit_range);
        let err = |a| parse("onboard", a).unwrap().unwrap_err();
        assert!(err("a@x.io --cpu").contains("needs a value"));
        assert!(err("a@x.io --cpu 4 --quota cpu=2").contains("twice"));
        assert!(err("a@x.io --color red").contains("unknown flag"));
        assert!(err("").contains("usage"));
    }

    #[test]
    fn bad_commands_say_what_is_wrong() {
        let err = |c, a| parse(c, a).unwrap().unwrap_err();
        assert!(err("quota", "team pods=0.5").contains("whole number"));
        assert!(err("quota", "team CPU=4").contains("lower-case"));
        assert!(err("quota", "team").contains("nothing to change"));
        assert!(err("quota", "team cpu=4 -cpu").contains("both set and removed"));
        assert!(err("grant", "bob@x.io boss team").contains("unknown role"));
        assert!(err("grant", "bob edit team").contains("group:NAME"));
        assert!(err("grant", "bob team").contains("usage"));
        assert!(err("unstage", "0").contains("not a change number"));
        assert!(parse("profiles", "").is_none());
        let Some(Ok(EditCommand::Stage(Intent::Access { subject, role, .. }))) =
            parse("grant", "group:ml-leads edit team")
        else {
            panic!()
        };
        assert_eq!(subject.kind(), "Group");
        assert_eq!(role, Some(Role::Edit));
        let Some(Ok(EditCommand::Stage(cw))) = parse("grant", "a@x.io view --cluster-wide") else {
            panic!()
        };
        assert_eq!(
            cw.summary(),
            "grant view a@x.io CLUSTER-WIDE (every namespace)"
        );
    }

    #[test]
    fn usernames_are_users_with_the_any_format_only() {
        let any = |c, a| super::parse(c, a, UserIdFormat::Any).unwrap();
        let Ok(EditCommand::Stage(Intent::Access { subject, .. })) = any("grant", "bob edit team")
        else {
            panic!()
        };
        assert_eq!((subject.kind(), subject.name()), ("User", "bob"));
        let Ok(EditCommand::Stage(Intent::Onboard { profile, .. })) =
            any("onboard", "system:serviceaccount:ml:robot")
        else {
            panic!()
        };
        assert!(profile.as_str().contains("robot"), "{profile}");
        assert!(any("grant", "bo b edit team").is_err());
        assert!(parse("grant", "bob edit team").unwrap().is_err());
    }
}
