//! The TUI's state: one [`Table`] per view plus what the header, banner and overlays show.
//! Only [`update`](super::update::update) changes it; `view` reads it.

use std::cell::Cell;
use std::cmp::Ordering;
use std::sync::Arc;

use super::edit::ChangeSet;
pub use super::edit::modal::{
    ConfirmAction, ContributorForm, Danger, RolePicker, Target, TextKind,
};
use super::edit::onboard::{OnboardForm, Preset, builtin_presets};
use super::edit::preview::Styled;
use super::edit::quota::QuotaEditor;
use super::field::Field;
use crate::cluster::watch::ConnectionTrouble;
use crate::model::Role;
use crate::tenancy::{Severity, Snapshot, Tenancy};

/// The five views, in tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// Profiles with quotas and health.
    Profiles,
    /// Identities with their access.
    Users,
    /// Users x profiles matrix.
    Access,
    /// Permissions chart.
    Roles,
    /// Doctor findings.
    Doctor,
}

impl ViewKind {
    /// Tab order.
    pub const ALL: [ViewKind; 5] = [
        ViewKind::Profiles,
        ViewKind::Users,
        ViewKind::Access,
        ViewKind::Roles,
        ViewKind::Doctor,
    ];

    /// Position in [`ViewKind::ALL`].
    pub fn index(self) -> usize {
        ViewKind::ALL.iter().position(|v| *v == self).unwrap_or(0)
    }

    /// Tab title.
    pub fn title(self) -> &'static str {
        match self {
            ViewKind::Profiles => "Profiles",
            ViewKind::Users => "Users",
            ViewKind::Access => "Access",
            ViewKind::Roles => "Roles",
            ViewKind::Doctor => "Doctor",
        }
    }

    /// The `:` command naming it.
    pub fn from_command(cmd: &str) -> Option<ViewKind> {
        match cmd {
            "profiles" | "profile" | "p" => Some(ViewKind::Profiles),
            "users" | "user" | "u" => Some(ViewKind::Users),
            "access" | "a" => Some(ViewKind::Access),
            "roles" | "role" | "r" => Some(ViewKind::Roles),
            "doctor" | "d" => Some(ViewKind::Doctor),
            _ => None,
        }
    }
}

/// A drill-down restriction: only rows linked to this profile or user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Users with access to this profile.
    Profile(String),
    /// Profiles this identity can reach.
    User(String),
}

impl Scope {
    fn value(&self) -> &str {
        match self {
            Scope::Profile(v) | Scope::User(v) => v,
        }
    }
}

/// The model item a row was built from, compared by pointer: when the model hands over a
/// new version, rows whose item is the same `Arc` as before are kept instead of rebuilt.
#[derive(Clone, Default)]
pub struct Origin(Option<Arc<dyn std::any::Any + Send + Sync>>);

impl Origin {
    /// The row was built from `item`.
    pub fn of<T: Send + Sync + 'static>(item: &Arc<T>) -> Origin {
        Origin(Some(
            Arc::clone(item) as Arc<dyn std::any::Any + Send + Sync>
        ))
    }

    /// The address of the item, if any (a key for finding the row again).
    pub fn addr(&self) -> Option<usize> {
        self.0
            .as_ref()
            .map(|a| Arc::as_ptr(a) as *const () as usize)
    }

    /// Whether the row was built from exactly `item`.
    pub fn is<T: Send + Sync + 'static>(&self, item: &Arc<T>) -> bool {
        self.addr() == Some(Arc::as_ptr(item) as *const () as usize)
    }
}

impl PartialEq for Origin {
    fn eq(&self, other: &Origin) -> bool {
        self.addr() == other.addr()
    }
}

impl Eq for Origin {}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Origin(..)"
        } else {
            "Origin(-)"
        })
    }
}

/// One table row, with what filtering, drill-down and coloring need.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    /// Stable identity (profile name, user, finding key): keeps the selection across updates.
    pub id: String,
    /// Display cells, one per header.
    pub cells: Vec<String>,
    /// Lower-cased text the filter searches (computed once per snapshot, not per keystroke).
    pub key: String,
    /// Names this row links to (a user's profiles, a profile's users).
    pub links: Vec<String>,
    /// Severity for coloring (doctor rows, unhealthy profiles).
    pub severity: Option<Severity>,
    /// Access matrix rows only: the columns with access and their letter (`cells` stays
    /// empty, so a matrix of 15,000 x 5,000 holds only the cells that are set).
    pub levels: Vec<(usize, char)>,
    /// The model item the row shows (rows of unchanged items are reused).
    pub origin: Origin,
}

impl Row {
    /// The text of column `col`: the cell, or for a matrix row its letter (`·`: none).
    pub fn cell(&self, col: usize) -> &str {
        if !self.levels.is_empty() || self.cells.is_empty() {
            return match self
                .levels
                .binary_search_by_key(&col, |(c, _)| *c)
                .map(|i| self.levels[i].1)
            {
                Ok('O') => "O",
                Ok('A') => "A",
                Ok('E') => "E",
                Ok('V') => "V",
                Ok(_) => "?",
                Err(_) => "·",
            };
        }
        self.cells.get(col).map_or("", String::as_str)
    }
}

/// A view's rows and how they are filtered, sorted and selected.
#[derive(Debug, Default)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// All rows, in model order.
    pub rows: Vec<Row>,
    /// Indices into `rows` that pass the filter and scope, in display order.
    pub visible: Vec<usize>,
    /// Selected position in `visible`.
    pub selected: usize,
    /// First visible position drawn (the view scrolls minimally; it is a `Cell` so rendering
    /// can keep it in step with the drawn height).
    pub offset: Cell<usize>,
    /// Rows that fit on screen at the last draw (for PgUp/PgDn).
    pub page: Cell<usize>,
    /// Filter text; a leading `!` inverts.
    pub filter: String,
    /// Sort column and whether descending; `None`: model order.
    pub sort: Option<(usize, bool)>,
    /// Drill-down restriction.
    pub scope: Option<Scope>,
    /// Row ids marked with Space (one action then stages a change for each).
    pub marked: std::collections::BTreeSet<String>,
    /// How many rows the last update built anew (the others were reused): one watch event
    /// builds the rows it changed, not the whole table.
    pub built: usize,
}

/// Natural order: digits compare as numbers (`9` before `10`).
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return Ordering::Equal,
            (None, _) => return Ordering::Less,
            (_, None) => return Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let la = a.iter().take_while(|c| c.is_ascii_digit()).count();
                let lb = b.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (&a[..la], &b[..lb]);
                let na = trim_zeros(na);
                let nb = trim_zeros(nb);
                let ord = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[la..];
                b = &b[lb..];
            }
            (Some(x), Some(y)) => {
                let ord = x.to_ascii_lowercase().cmp(&y.to_ascii_lowercase());
                if ord != Ordering::Equal {
                    return ord;
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

fn trim_zeros(d: &[u8]) -> &[u8] {
    let n = d.iter().take_while(|c| **c == b'0').count();
    &d[n.min(d.len().saturating_sub(1))..]
}

impl Table {
    /// Replaces the rows, keeping filter, sort, scope and the selected row (by id).
    pub fn set_rows(&mut self, headers: Vec<String>, rows: Vec<Row>) {
        let keep = self.selected_row().map(|r| r.id.clone());
        self.headers = headers;
        self.rows = rows;
        self.refresh(keep.as_deref());
    }

    /// The selected row.
    pub fn selected_row(&self) -> Option<&Row> {
        self.visible
            .get(self.selected)
            .and_then(|i| self.rows.get(*i))
    }

    /// Recomputes `visible` (filter, scope, sort), then selects `keep` if still visible, else
    /// clamps the old position.
    pub fn refresh(&mut self, keep: Option<&str>) {
        let (invert, needle) = match self.filter.strip_prefix('!') {
            Some(rest) => (true, rest.to_lowercase()),
            None => (false, self.filter.to_lowercase()),
        };
        let scope = self.scope.as_ref().map(Scope::value);
        self.visible.clear();
        self.visible.extend(
            self.rows
                .iter()
                .enumerate()
                .filter(|(_, r)| needle.is_empty() || r.key.contains(&needle) != invert)
                .filter(|(_, r)| scope.is_none_or(|s| r.links.iter().any(|l| l == s)))
                .map(|(i, _)| i),
        );
        if let Some((col, desc)) = self.sort {
            let rows = &self.rows;
            let cell = |i: usize| rows[i].cell(col);
            self.visible.sort_by(|a, b| {
                let o = natural_cmp(cell(*a), cell(*b));
                if desc { o.reverse() } else { o }
            });
        }
        let found = keep.and_then(|id| self.visible.iter().position(|i| self.rows[*i].id == id));
        self.selected = match found {
            Some(p) => p,
            None => self.selected.min(self.visible.len().saturating_sub(1)),
        };
    }

    /// Moves the selection by `delta`, clamped.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.visible.len().saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    /// Selects the row with `id`, if visible.
    pub fn select_id(&mut self, id: &str) -> bool {
        match self.visible.iter().position(|i| self.rows[*i].id == id) {
            Some(p) => {
                self.selected = p;
                true
            }
            None => false,
        }
    }
}

/// Whether the user may change things.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadOnly {
    /// Not known yet.
    Unknown,
    /// `--readonly`.
    Flag,
    /// SelfSubjectAccessReview says no.
    NoPermission,
    /// May write.
    Writable,
}

/// The cluster data.
#[derive(Clone, Debug)]
pub enum Data {
    /// Waiting for the first complete snapshot.
    Loading,
    /// Profiles cannot be read (CRD missing, forbidden, cannot connect): the full explanation.
    Unavailable(String),
    /// The model and the raw objects behind it.
    Ready {
        /// Computed model.
        tenancy: Arc<Tenancy>,
        /// Raw objects (for YAML).
        snapshot: Arc<Snapshot>,
    },
}

/// Connection health as the header shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Connection {
    /// Starting the watches.
    Connecting,
    /// All watches fine.
    Live,
    /// A watch keeps failing; kube-runtime retries with backoff.
    Trouble(ConnectionTrouble),
}

/// A modal layer over the views.
#[derive(Clone, Debug, PartialEq)]
pub enum Modal {
    /// Nothing.
    None,
    /// The generated help.
    Help {
        /// First line shown.
        scroll: usize,
    },
    /// An object's YAML (rendered by `update`, only colored by `view`).
    Yaml {
        /// What it is.
        title: String,
        /// The lines.
        lines: Vec<String>,
        /// First line shown.
        scroll: usize,
    },
    /// The quota editor of one profile.
    Quota(Box<QuotaEditor>),
    /// The onboarding form.
    Onboard(Box<OnboardForm>),
    /// A destructive change waiting for its typed confirmation.
    Danger(Box<Danger>),
    /// Adding a contributor who is not listed yet.
    Contributor(Box<ContributorForm>),
    /// Choosing the role of one subject on one profile.
    RolePicker(RolePicker),
    /// The staged change set.
    Staged {
        /// Selected change.
        selected: usize,
    },
    /// A scrollable text made by `update`: the preview, or the results of an apply.
    Text {
        /// Which.
        kind: TextKind,
        /// Title line.
        title: String,
        /// The lines, with their tone.
        lines: Vec<Styled>,
        /// First line shown.
        scroll: usize,
    },
    /// A question that `y` accepts and any other key declines.
    Confirm {
        /// The question.
        prompt: String,
        /// What `y` does.
        action: ConfirmAction,
    },
}

/// A text input owning the keyboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// None.
    None,
    /// `/` filter being typed; holds the filter to restore on Esc.
    Filter {
        /// Filter before editing.
        previous: String,
        /// The text being typed.
        field: Field,
    },
    /// `:` command being typed.
    Command(Field),
}

/// The header's identity line.
#[derive(Clone, Debug)]
pub struct Header {
    /// Kubeconfig context.
    pub context: String,
    /// API server.
    pub server: String,
    /// Username from SelfSubjectReview.
    pub user: Option<String>,
    /// Read-only state.
    pub read_only: ReadOnly,
}

/// A remembered place for Esc.
#[derive(Clone, Debug)]
pub struct Place {
    /// The view.
    pub view: ViewKind,
    /// Its scope then.
    pub scope: Option<Scope>,
    /// Its selected row id then.
    pub selected: Option<String>,
    /// The scope the drill-down replaced on the view it went to (restored on the way back).
    pub replaced: Option<Scope>,
}

/// Everything the TUI shows.
#[derive(Debug)]
pub struct AppState {
    /// Header data.
    pub header: Header,
    /// Current view.
    pub view: ViewKind,
    /// One table per view, indexed by [`ViewKind::index`].
    pub tables: [Table; 5],
    /// Cluster data.
    pub data: Data,
    /// Watch health.
    pub connection: Connection,
    /// Modal.
    pub modal: Modal,
    /// Text input.
    pub input: Input,
    /// One-line message for the footer (errors, "no such command").
    pub status: Option<String>,
    /// Drill-down history.
    pub history: Vec<Place>,
    /// Current watch generation; older messages are dropped.
    pub generation: u64,
    /// The clock, as of the last tick.
    pub now: jiff::Timestamp,
    /// When the current data arrived.
    pub data_at: Option<jiff::Timestamp>,
    /// Roles compare mode: what the first adds over the second.
    pub compare: Option<(Role, Role)>,
    /// Access matrix column cursor.
    pub access_col: usize,
    /// Terminal size.
    pub size: (u16, u16),
    /// False with NO_COLOR.
    pub color: bool,
    /// How user identities typed in forms and commands are checked (`--user-id-format`).
    pub user_ids: crate::model::UserIdFormat,
    /// Set when the user quits.
    pub quit: bool,
    /// The staged changes.
    pub staged: ChangeSet,
    /// An apply is running.
    pub applying: bool,
    /// Quota presets of the onboarding form.
    pub presets: Vec<Preset>,
}

impl AppState {
    /// A fresh state for `context`/`server` (nothing loaded yet).
    pub fn new(context: &str, server: &str, readonly: bool, now: jiff::Timestamp) -> Self {
        AppState {
            header: Header {
                context: context.to_string(),
                server: server.to_string(),
                user: None,
                read_only: if readonly {
                    ReadOnly::Flag
                } else {
                    ReadOnly::Unknown
                },
            },
            view: ViewKind::Profiles,
            tables: Default::default(),
            data: Data::Loading,
            connection: Connection::Connecting,
            modal: Modal::None,
            input: Input::None,
            status: None,
            history: Vec::new(),
            generation: 0,
            now,
            data_at: None,
            compare: None,
            access_col: 0,
            size: (80, 24),
            color: true,
            user_ids: crate::model::UserIdFormat::Email,
            quit: false,
            staged: ChangeSet::default(),
            applying: false,
            presets: builtin_presets(),
        }
    }

    /// The current view's table.
    pub fn table(&self) -> &Table {
        &self.tables[self.view.index()]
    }

    /// The current view's table, mutably.
    pub fn table_mut(&mut self) -> &mut Table {
        &mut self.tables[self.view.index()]
    }

    /// The model, when loaded.
    pub fn tenancy(&self) -> Option<&Tenancy> {
        match &self.data {
            Data::Ready { tenancy, .. } => Some(tenancy),
            _ => None,
        }
    }

    /// True when the data shown is older than the connection state says.
    pub fn stale(&self) -> bool {
        matches!(self.connection, Connection::Trouble(_)) && matches!(self.data, Data::Ready { .. })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn row(id: &str, cells: &[&str], links: &[&str]) -> Row {
        Row {
            id: id.into(),
            cells: cells.iter().map(|c| c.to_string()).collect(),
            key: cells.join(" ").to_lowercase(),
            links: links.iter().map(|c| c.to_string()).collect(),
            severity: None,
            levels: Vec::new(),
            origin: Origin::default(),
        }
    }

    #[test]
    fn natural_order_compares_numbers_by_value() {
        let mut v = vec!["p10", "p9", "P1", "p09a"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["P1", "p9", "p09a", "p10"]);
    }

    #[test]
    fn filter_scope_and_sort_keep_the_selection() {
        let mut t = Table::default();
        t.set_rows(
            vec!["NAME".into(), "N".into()],
            vec![
                row("a", &["alpha", "10"], &["x"]),
                row("b", &["beta", "9"], &["y"]),
                row("c", &["gamma", "11"], &["x"]),
            ],
        );
        t.select_id("c");
        t.sort = Some((1, false));
        t.refresh(Some("c"));
        assert_eq!(t.visible, [1, 0, 2]);
        assert_eq!(t.selected_row().unwrap().id, "c");
        t.filter = "!eta".into();
        t.refresh(Some("c"));
        assert_eq!(t.visible, [0, 2]);
        t.scope = Some(Scope::Profile("y".into()));
        t.filter.clear();
        t.refresh(Some("c"));
        assert_eq!(t.visible, [1]);
        assert_eq!(t.selected, 0);
    }
}
