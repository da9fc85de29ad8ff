//! The preview of the staged change set, as lines with a tone: per change its summary,
//! warnings, note, the unified diff against the live objects and the server dry run of each
//! object; then the whole multi-document YAML that applying sends. Built by `update` (the
//! view only colours it).

use serde_json::Value;

use super::{ChangeSet, Check, Stage, Staged};
use crate::manifest::{OutputFormat, render_objects};
use crate::plan::Action;

/// How a line is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Plain text.
    Plain,
    /// A section or change heading.
    Heading,
    /// A diff line that adds.
    Added,
    /// A diff line that removes.
    Removed,
    /// A diff hunk header or file header.
    Hunk,
    /// Accepted, applied.
    Ok,
    /// Something to read before applying.
    Warning,
    /// Refused, failed.
    Error,
    /// Less important.
    Dim,
    /// A YAML line (coloured as YAML).
    Yaml,
}

/// One line of the preview or results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Styled {
    /// How it is coloured.
    pub tone: Tone,
    /// The text.
    pub text: String,
}

/// A line of `tone`.
pub fn line(tone: Tone, text: impl Into<String>) -> Styled {
    Styled {
        tone,
        text: text.into(),
    }
}

fn diff_tone(l: &str) -> Tone {
    if l.starts_with("+++") || l.starts_with("---") || l.starts_with("@@") {
        Tone::Hunk
    } else if l.starts_with('+') {
        Tone::Added
    } else if l.starts_with('-') {
        Tone::Removed
    } else {
        Tone::Dim
    }
}

/// The preview of `set`.
pub fn preview(set: &ChangeSet) -> Vec<Styled> {
    let mut out = Vec::new();
    if set.is_empty() {
        out.push(line(
            Tone::Dim,
            "Nothing staged. Edit a quota (e on a profile) or set a role (t), then preview.",
        ));
        return out;
    }
    out.push(line(
        Tone::Plain,
        format!(
            "{} staged change(s), {} object write(s). a applies (asks first); Esc goes back.",
            set.len(),
            set.writes()
        ),
    ));
    let mut sent: Vec<Value> = Vec::new();
    for (i, s) in set.items.iter().enumerate() {
        staged_change(&mut out, &mut sent, i + 1, s);
    }
    out.push(line(Tone::Plain, ""));
    out.push(line(
        Tone::Heading,
        "── YAML sent (creates and updates; deletes send no body; managedFields not shown)",
    ));
    match render_objects(&sent, OutputFormat::Yaml) {
        Ok(text) => out.extend(text.lines().map(|l| line(Tone::Yaml, l))),
        Err(e) => out.push(line(Tone::Error, format!("cannot render YAML: {e}"))),
    }
    out
}

/// One staged change: its summary, warnings, the writes, the server's dry run and the diff;
/// what it sends is added to `sent`.
fn staged_change(out: &mut Vec<Styled>, sent: &mut Vec<Value>, n: usize, s: &Staged) {
    out.push(line(Tone::Plain, ""));
    out.push(line(
        Tone::Heading,
        format!("── {n}. {}", s.intent.summary()),
    ));
    if let Some(note) = &s.note {
        out.push(line(Tone::Warning, format!("⚠ {note}")));
    }
    let plan = match &s.stage {
        Stage::Planning => {
            out.push(line(Tone::Dim, "planning against the live objects…"));
            return;
        }
        Stage::Ready(p) => p,
    };
    for w in &plan.warnings {
        out.push(line(Tone::Warning, format!("⚠ {w}")));
    }
    for c in plan
        .changes
        .iter()
        .filter(|c| c.action != Action::Unchanged)
    {
        out.push(line(
            Tone::Plain,
            format!("{} {}", c.action.verb(), c.label()),
        ));
        if let Some(a) = &c.after
            && c.action != Action::Delete
        {
            let mut a = a.clone();
            if let Some(m) = a.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("managedFields");
            }
            sent.push(a);
        }
    }
    if s.checks.is_empty() {
        out.push(line(Tone::Dim, "server dry run: running…"));
    }
    for c in &s.checks {
        dry_run_result(out, c);
    }
    let diff = plan.diff();
    out.extend(diff.lines().map(|l| line(diff_tone(l), l)));
}

/// What the server's dry run said of one object.
fn dry_run_result(out: &mut Vec<Styled>, c: &Check) {
    match &c.outcome {
        Ok(word) if word.starts_with("not validated") => out.push(line(
            Tone::Warning,
            format!("• server dry run: {} {word}", c.reference),
        )),
        Ok(word) => out.push(line(
            Tone::Ok,
            format!("✓ server dry run: {} {word}", c.reference),
        )),
        Err(e) => {
            let mut msg = e.lines();
            out.push(line(
                Tone::Error,
                format!(
                    "✗ server dry run: {} refused: {}",
                    c.reference,
                    msg.next().unwrap_or_default()
                ),
            ));
            out.extend(msg.map(|l| line(Tone::Error, format!("  {l}"))));
        }
    }
}
