//! The journal's files: where they live, appending under a lock, reading, trimming.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Entry, JournalError, MAX_BYTES, MAX_ENTRIES, NewEntry};

/// One context's journal file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Journal {
    path: PathBuf,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> JournalError + '_ {
    move |source| JournalError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// `$XDG_STATE_HOME/kubectl-kubeflow/journal`, else `~/.local/state/kubectl-kubeflow/journal`.
pub fn journal_dir() -> Result<PathBuf, JournalError> {
    let non_empty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let state = non_empty("XDG_STATE_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| non_empty("HOME").map(|h| h.join(".local").join("state")))
        .ok_or(JournalError::NoStateDir)?;
    Ok(state.join("kubectl-kubeflow").join("journal"))
}

/// A file name for a context: its safe characters, plus a hash of the whole name when any
/// were replaced (so `a/b` and `a_b` never share a file).
fn file_name(context: &str) -> String {
    let safe: String = context
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_start_matches('.');
    if safe == context && !safe.is_empty() && safe.len() <= 100 {
        return format!("{safe}.jsonl");
    }
    let hash = Sha256::digest(context.as_bytes());
    let hex: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
    let short: String = safe.chars().take(80).collect();
    format!("{short}-{hex}.jsonl")
}

#[cfg(unix)]
fn private_dir(dir: &Path) -> Result<(), JournalError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io(dir))?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io(dir))
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> Result<(), JournalError> {
    fs::create_dir_all(dir).map_err(io(dir))
}

fn open_private(path: &Path, append: bool) -> Result<File, JournalError> {
    let mut opts = OpenOptions::new();
    opts.create(true);
    if append {
        opts.append(true).read(true);
    } else {
        opts.write(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path).map_err(io(path))
}

/// Entries of a file, and how many lines could not be read.
fn read_entries(path: &Path) -> Result<(Vec<Entry>, usize), JournalError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), 0)),
        Err(e) => return Err(io(path)(e)),
    };
    let mut entries = Vec::new();
    let mut unreadable = 0;
    for line in BufReader::new(file).lines() {
        let line = line.map_err(io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Entry>(&line) {
            Ok(e) => entries.push(e),
            Err(_) => unreadable += 1,
        }
    }
    Ok((entries, unreadable))
}

/// How many entries a file holds and the highest id, from each line's leading `{"id":N`
/// alone (entries are written with `id` first), so appending never parses whole objects.
fn scan_ids(path: &Path) -> Result<(usize, u64), JournalError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0)),
        Err(e) => return Err(io(path)(e)),
    };
    let (mut count, mut max) = (0, 0);
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(io(path))?;
        let Some(rest) = line.strip_prefix(b"{\"id\":") else {
            continue;
        };
        let digits: Vec<u8> = rest
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        if let Some(id) = std::str::from_utf8(&digits)
            .ok()
            .and_then(|d| d.parse::<u64>().ok())
        {
            count += 1;
            max = max.max(id);
        }
    }
    Ok((count, max))
}

/// Whether the file is missing, empty or ends with a newline.
fn ends_with_newline(path: &Path) -> Result<bool, JournalError> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(io(path)(e)),
    };
    if file.metadata().map_err(io(path))?.len() == 0 {
        return Ok(true);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1)).map_err(io(path))?;
    file.read_exact(&mut last).map_err(io(path))?;
    Ok(last[0] == b'\n')
}

impl Journal {
    /// The journal of `context` in the user's state directory.
    pub fn for_context(context: &str) -> Result<Self, JournalError> {
        Ok(Self::in_dir(&journal_dir()?, context))
    }

    /// The journal of `context` in `dir` (tests).
    pub fn in_dir(dir: &Path, context: &str) -> Self {
        Self {
            path: dir.join(file_name(context)),
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every readable entry, oldest first, and how many lines could not be read.
    pub fn entries(&self) -> Result<(Vec<Entry>, usize), JournalError> {
        read_entries(&self.path)
    }

    /// Appends `new` with the next id and the current time; returns the id. Holds an
    /// exclusive lock on the journal's lock file for the whole read-append-trim.
    pub fn append(&self, new: NewEntry) -> Result<u64, JournalError> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        private_dir(dir)?;
        let lock_path = self.path.with_extension("lock");
        let lock = open_private(&lock_path, true)?;
        lock.lock().map_err(io(&lock_path))?;
        let (count, max_id) = scan_ids(&self.path)?;
        let id = max_id + 1;
        let entry = Entry {
            id,
            time: jiff::Timestamp::now()
                .round(jiff::Unit::Second)
                .map_or_else(|_| jiff::Timestamp::now().to_string(), |t| t.to_string()),
            context: new.context,
            server: new.server,
            user: new.user,
            local_user: std::env::var("USER").ok().filter(|u| !u.is_empty()),
            command: new.command,
            undoes: new.undoes,
            failed: new.failed,
            not_applied: new.not_applied,
            changes: new.changes,
        };
        let mut line = serde_json::to_string(&entry)?;
        line.push('\n');
        if !ends_with_newline(&self.path)? {
            // A line torn by a crash stays apart from this one.
            line.insert(0, '\n');
        }
        let size = fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        if count < MAX_ENTRIES && size + line.len() as u64 <= MAX_BYTES {
            let mut file = open_private(&self.path, true)?;
            file.write_all(line.as_bytes()).map_err(io(&self.path))?;
        } else {
            let (mut entries, _) = read_entries(&self.path)?;
            entries.push(entry);
            self.rewrite_newest(&entries)?;
        }
        lock.unlock().map_err(io(&lock_path))?;
        Ok(id)
    }

    /// Replaces the file with the newest entries that fit the bounds (always the last one).
    fn rewrite_newest(&self, entries: &[Entry]) -> Result<(), JournalError> {
        let mut keep: Vec<String> = Vec::new();
        let mut bytes = 0u64;
        for e in entries.iter().rev() {
            let mut line = serde_json::to_string(e)?;
            line.push('\n');
            let len = line.len() as u64;
            if !keep.is_empty() && (keep.len() >= MAX_ENTRIES || bytes + len > MAX_BYTES) {
                break;
            }
            bytes += len;
            keep.push(line);
        }
        let tmp = self.path.with_extension("jsonl.tmp");
        let mut file = open_private(&tmp, false)?;
        for line in keep.iter().rev() {
            file.write_all(line.as_bytes()).map_err(io(&tmp))?;
        }
        file.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, &self.path).map_err(io(&self.path))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::journal::{Did, Recorded};

    fn new_entry(command: &str) -> NewEntry {
        NewEntry {
            context: "ctx".into(),
            server: "https://127.0.0.1:6443".into(),
            user: Some("admin@kubeflow.org".into()),
            command: command.into(),
            undoes: None,
            failed: None,
            not_applied: Vec::new(),
            changes: vec![Recorded {
                did: Did::Created,
                reference: "profile.kubeflow.org/team".into(),
                namespace: None,
                before: None,
                after: Some(serde_json::json!({"kind": "Profile"})),
            }],
        }
    }

    #[test]
    fn context_names_become_distinct_safe_file_names() {
        assert_eq!(file_name("kind-kubeflow"), "kind-kubeflow.jsonl");
        let arn = file_name("arn:aws:eks:eu-west-1:1234:cluster/kf");
        assert!(
            arn.starts_with("arn_aws_eks_eu-west-1_1234_cluster_kf-"),
            "{arn}"
        );
        assert_ne!(file_name("a/b"), file_name("a_b"));
        assert!(!file_name("..").starts_with('.'));
        assert!(!file_name("").is_empty());
        assert!(file_name(&"x".repeat(400)).len() < 120);
    }

    #[test]
    fn appends_number_entries_and_keep_them_private() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::in_dir(&dir.path().join("j"), "ctx");
        assert_eq!(journal.entries().unwrap().0, Vec::new());
        assert_eq!(journal.entries().unwrap().0.last().map(|e| e.id), None);
        assert_eq!(journal.append(new_entry("one")).unwrap(), 1);
        assert_eq!(journal.append(new_entry("two")).unwrap(), 2);
        assert_eq!(journal.entries().unwrap().0.last().map(|e| e.id), Some(2));
        let (entries, unreadable) = journal.entries().unwrap();
        assert_eq!(unreadable, 0);
        let commands: Vec<_> = entries.iter().map(|e| e.command.as_str()).collect();
        assert_eq!(commands, ["one", "two"]);
        let (entries, _) = journal.entries().unwrap();
        assert_eq!(entries.iter().find(|e| e.id == 2).unwrap().command, "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(journal.path()), 0o600);
            assert_eq!(mode(&dir.path().join("j")), 0o700);
        }
    }

    #[test]
    fn a_torn_line_is_skipped_and_counted_and_ids_go_on() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::in_dir(dir.path(), "ctx");
        journal.append(new_entry("one")).unwrap();
        let mut f = open_private(journal.path(), true).unwrap();
        f.write_all(b"{\"id\": 7, \"tim").unwrap();
        drop(f);
        let (entries, unreadable) = journal.entries().unwrap();
        assert_eq!((entries.len(), unreadable), (1, 1));
        // The torn line has no newline: the next entry still starts on its own line.
        assert_eq!(journal.append(new_entry("two")).unwrap(), 2);
        let (entries, unreadable) = journal.entries().unwrap();
        assert_eq!((entries.len(), unreadable), (2, 1));
    }

    #[test]
    fn the_journal_is_bounded_and_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::in_dir(dir.path(), "ctx");
        for i in 0..MAX_ENTRIES + 5 {
            journal.append(new_entry(&format!("c{i}"))).unwrap();
        }
        let (entries, _) = journal.entries().unwrap();
        assert!(entries.len() <= MAX_ENTRIES);
        let last = entries.last().unwrap();
        assert_eq!(last.id, (MAX_ENTRIES + 5) as u64);
        assert_eq!(last.command, format!("c{}", MAX_ENTRIES + 4));
        // Ids are never reused after trimming.
        assert_eq!(journal.append(new_entry("next")).unwrap(), last.id + 1);
    }

    #[test]
    fn parallel_appenders_never_share_an_id() {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::in_dir(dir.path(), "ctx");
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let j = journal.clone();
                std::thread::spawn(move || {
                    (0..10)
                        .map(|i| j.append(new_entry(&format!("{t}-{i}"))).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut ids: Vec<u64> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        ids.sort_unstable();
        assert_eq!(ids, (1..=40).collect::<Vec<_>>());
        assert_eq!(journal.entries().unwrap().0.len(), 40);
    }
}
