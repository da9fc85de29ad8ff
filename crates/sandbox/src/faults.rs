//! Fault injection, so tests (and anyone running `sandbox --faults SPEC`) can see how clients
//! behave against a struggling API server: added latency, error statuses (429 with
//! `Retry-After`), a connection reset before the answer, an answer lost after the write was
//! done, slow bodies, watches that end in 410 Gone or are cut after some events — and, through
//! [`super::Sandbox::go_away`] / [`super::Sandbox::come_back`], the whole server leaving and
//! returning on the same port. Every request is logged ([`Faults::requests`]) so a test can
//! count what a client sent.
//!
//! A spec is rules separated by `;`, each `ACTION [on=reads|writes|watches|all]
//! [path=SUBSTRING] [times=N]`, the first matching rule with times left wins:
//!
//! | action | effect |
//! | --- | --- |
//! | `latency=300ms` | waits, then answers normally |
//! | `status=503`, `status=429:2` | answers that status (`:N` = `Retry-After: N`) without running the request |
//! | `reset` | closes the connection without running the request |
//! | `drop-answer` | runs the request, then closes the connection (the answer is lost) |
//! | `slow-body=50ms` | answers in 256-byte pieces, waiting between them |
//! | `watch-gone` | a watch answers one ERROR 410 (Expired) event and ends |
//! | `cut-watch=N` | a watch is cut (connection reset) after N events |

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use http::Method;

/// What a matching request gets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Wait this long, then answer normally.
    Latency(Duration),
    /// Answer this status without running the request; `Some(n)` adds `Retry-After: n`.
    Status(u16, Option<u64>),
    /// Close the connection without running the request.
    Reset,
    /// Run the request, then close the connection without answering.
    DropAnswer,
    /// Answer in small pieces with this wait between them.
    SlowBody(Duration),
    /// A watch answers one ERROR 410 event and ends.
    WatchGone,
    /// A watch is cut after this many events.
    CutWatch(usize),
}

/// Which requests a rule applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every request.
    All,
    /// GET/HEAD that are not watches.
    Reads,
    /// POST, PUT, PATCH, DELETE.
    Writes,
    /// Watches.
    Watches,
}

/// One rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// What happens.
    pub action: Action,
    /// To which requests.
    pub scope: Scope,
    /// Only paths containing this.
    pub path: Option<String>,
    /// How many times (None: always).
    pub times: Option<u32>,
}

impl Rule {
    /// A rule for every request, always.
    pub fn new(action: Action) -> Self {
        Self {
            action,
            scope: Scope::All,
            path: None,
            times: None,
        }
    }

    /// Only for `scope`.
    pub fn on(mut self, scope: Scope) -> Self {
        self.scope = scope;
        self
    }

    /// Only for paths containing `path`.
    pub fn path(mut self, path: &str) -> Self {
        self.path = Some(path.to_string());
        self
    }

    /// Only `n` times.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, method: &Method, path: &str, watch: bool) -> bool {
        let scope = match self.scope {
            Scope::All => true,
            Scope::Reads => matches!(*method, Method::GET | Method::HEAD) && !watch,
            Scope::Writes => !matches!(*method, Method::GET | Method::HEAD),
            Scope::Watches => watch,
        };
        scope && self.path.as_deref().is_none_or(|p| path.contains(p)) && self.times != Some(0)
    }
}

/// One request the server saw.
#[derive(Clone, Debug)]
pub struct Seen {
    /// HTTP method.
    pub method: Method,
    /// Path and query.
    pub uri: String,
    /// When it arrived.
    pub at: Instant,
    /// The fault it got, if any.
    pub fault: Option<Action>,
}

#[derive(Debug, Default)]
struct Inner {
    rules: Vec<Rule>,
    seen: Vec<Seen>,
}

/// The fault table and request log of one sandbox (cheap to clone; clones share).
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<Mutex<Inner>>);

fn duration(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration (use e.g. 300ms or 2s)");
    if let Some(ms) = text.strip_suffix("ms") {
        return ms.parse().map(Duration::from_millis).map_err(|_| bad());
    }
    if let Some(s) = text.strip_suffix('s') {
        return s.parse().map(Duration::from_secs).map_err(|_| bad());
    }
    Err(bad())
}

fn action(text: &str) -> Result<Action, String> {
    let (name, value) = text.split_once('=').unwrap_or((text, ""));
    Ok(match name {
        "latency" => Action::Latency(duration(value)?),
        "status" => {
            let (code, after) = value.split_once(':').unwrap_or((value, ""));
            let code: u16 = code
                .parse()
                .ok()
                .filter(|c| (400..600).contains(c))
                .ok_or_else(|| format!("status {code:?} is not a 4xx or 5xx code"))?;
            let after = match after {
                "" => None,
                n => Some(
                    n.parse()
                        .map_err(|_| format!("Retry-After {n:?} is not a number of seconds"))?,
                ),
            };
            Action::Status(code, after)
        }
        "reset" => Action::Reset,
        "drop-answer" => Action::DropAnswer,
        "slow-body" => Action::SlowBody(duration(value)?),
        "watch-gone" => Action::WatchGone,
        "cut-watch" => Action::CutWatch(
            value
                .parse()
                .map_err(|_| format!("cut-watch={value:?}: give a number of events"))?,
        ),
        other => {
            return Err(format!(
                "unknown fault {other:?} (latency=, status=, reset, drop-answer, slow-body=, watch-gone, cut-watch=)"
            ));
        }
    })
}

fn rule(text: &str) -> Result<Rule, String> {
    let mut words = text.split_whitespace();
    let first = words.next().ok_or("an empty fault rule")?;
    let mut rule = Rule::new(action(first)?);
    for w in words {
        match w.split_once('=') {
            Some(("on", s)) => {
                rule.scope = match s {
                    "all" => Scope::All,
                    "reads" => Scope::Reads,
                    "writes" => Scope::Writes,
                    "watches" => Scope::Watches,
                    _ => return Err(format!("on={s:?}: use reads, writes, watches or all")),
                }
            }
            Some(("path", p)) => rule.path = Some(p.to_string()),
            Some(("times", n)) => {
                rule.times = Some(
                    n.parse()
                        .map_err(|_| format!("times={n:?} is not a number"))?,
                )
            }
            _ => return Err(format!("{w:?}: expected on=, path= or times=")),
        }
    }
    Ok(rule)
}

impl Faults {
    /// Parses a spec (see the module docs).
    pub fn parse(spec: &str) -> Result<Self, String> {
        let faults = Self::default();
        for part in spec.split(';').filter(|p| !p.trim().is_empty()) {
            faults.add(rule(part.trim())?);
        }
        Ok(faults)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a rule (after the existing ones).
    pub fn add(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }

    /// Removes every rule (the log stays).
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Rules that still apply (not used up).
    pub fn pending(&self) -> usize {
        self.lock()
            .rules
            .iter()
            .filter(|r| r.times != Some(0))
            .count()
    }

    /// Every request seen so far.
    pub fn requests(&self) -> Vec<Seen> {
        self.lock().seen.clone()
    }

    /// Logs a request and returns the fault it gets (using up one of the rule's times).
    pub fn take(&self, method: &Method, uri: &str, watch: bool) -> Option<Action> {
        let mut inner = self.lock();
        let path = uri.split('?').next().unwrap_or_default();
        let fault = inner
            .rules
            .iter_mut()
            .find(|r| r.matches(method, path, watch))
            .map(|r| {
                if let Some(n) = r.times.as_mut() {
                    *n -= 1;
                }
                r.action.clone()
            });
        inner.seen.push(Seen {
            method: method.clone(),
            uri: uri.to_string(),
            at: Instant::now(),
            fault: fault.clone(),
        });
        fault
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn specs_parse_and_rules_run_out() {
        let f =
            Faults::parse("status=429:2 on=writes times=1; latency=300ms path=/profiles").unwrap();
        assert_eq!(
            f.take(&Method::POST, "/api/v1/namespaces", false),
            Some(Action::Status(429, Some(2)))
        );
        assert_eq!(f.take(&Method::POST, "/api/v1/namespaces", false), None);
        assert_eq!(
            f.take(
                &Method::GET,
                "/apis/kubeflow.org/v1/profiles?limit=5",
                false
            ),
            Some(Action::Latency(Duration::from_millis(300)))
        );
        assert_eq!(f.requests().len(), 3);
        for bad in [
            "explode",
            "status=200",
            "latency=5",
            "status=503 on=sometimes",
            "reset times=x",
        ] {
            assert!(Faults::parse(bad).is_err(), "{bad}");
        }
    }
}
