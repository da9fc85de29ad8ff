//! Namespace deletion as kube-apiserver and the namespace controller carry it out: the
//! DELETE always answers with the namespace `Terminating` (a `deletionTimestamp`, phase
//! Terminating; `spec.finalizers: [kubernetes]` holds it), the controller deletes the content
//! and writes the five deletion conditions (`pkg/controller/namespace/deletion/
//! namespaced_resources_deleter.go`), and the namespace is removed once nothing is left in
//! it. Content held by finalizers keeps it Terminating, with the conditions saying so; new
//! content is refused meanwhile (see `namespace_terminating`).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{GroupResource, Store, has_finalizers, meta_str, now_rfc3339, set_meta};

fn condition(kind: &str, remaining: bool, reason: &str, message: String) -> Value {
    json!({
        "type": kind,
        "status": if remaining { "True" } else { "False" },
        "lastTransitionTime": now_rfc3339(),
        "reason": reason,
        "message": message,
    })
}

impl Store {
    /// DELETE of the namespace `old`: marks it Terminating, deletes its content, and removes
    /// it when nothing is left. Returns the namespace as marked.
    pub(super) fn delete_namespace(&mut self, old: Value) -> Value {
        let name = meta_str(&old, "name").unwrap_or_default().to_string();
        if meta_str(&old, "deletionTimestamp").is_some() {
            return old;
        }
        let gr = GroupResource::core("namespaces");
        let mut obj = old;
        set_meta(&mut obj, "deletionTimestamp", json!(now_rfc3339()));
        obj["status"] = json!({"phase": "Terminating"});
        let marked = self.store_modified(&gr, None, &name, obj);
        self.delete_namespace_contents(&name);
        let Some(mut ns) = self.get(&gr, None, &name).cloned() else {
            return marked; // the last content's removal already took it away
        };
        ns["status"]["conditions"] = json!(self.deletion_conditions(&name));
        if self.namespace_has_content(&name) || has_finalizers(&ns) {
            self.store_modified(&gr, None, &name, ns);
            return marked;
        }
        // Nothing left: the controller finalizes (`spec.finalizers` emptied) and it goes.
        ns["spec"]["finalizers"] = json!([]);
        let rv = self.next_rv();
        set_meta(&mut ns, "resourceVersion", json!(rv.to_string()));
        self.remove_final(&gr, None, &name, ns);
        marked
    }

    /// What `ns` still holds: objects per resource, and objects per finalizer.
    fn remaining(&self, ns: &str) -> (BTreeMap<String, usize>, BTreeMap<String, usize>) {
        let mut left: BTreeMap<String, usize> = BTreeMap::new();
        let mut finalizers: BTreeMap<String, usize> = BTreeMap::new();
        for (gr, map) in &self.objects {
            for ((n, _), obj) in map.range((ns.to_string(), String::new())..) {
                if n != ns {
                    break;
                }
                *left.entry(gr.to_string()).or_default() += 1;
                for f in obj["metadata"]["finalizers"]
                    .as_array()
                    .into_iter()
                    .flatten()
                {
                    *finalizers
                        .entry(f.as_str().unwrap_or_default().into())
                        .or_default() += 1;
                }
            }
        }
        (left, finalizers)
    }

    /// The namespace controller's five conditions for `ns` as it is now.
    fn deletion_conditions(&self, ns: &str) -> Vec<Value> {
        let (left, finalizers) = self.remaining(ns);
        let said = |m: &BTreeMap<String, usize>, sep: &str| {
            let parts: Vec<String> = m
                .iter()
                .map(|(k, n)| format!("{k}{sep}{n} resource instances"))
                .collect();
            parts.join(", ")
        };
        vec![
            condition(
                "NamespaceDeletionDiscoveryFailure",
                false,
                "ResourcesDiscovered",
                "All resources successfully discovered".into(),
            ),
            condition(
                "NamespaceDeletionGroupVersionParsingFailure",
                false,
                "ParsedGroupVersions",
                "All legacy kube types successfully parsed".into(),
            ),
            condition(
                "NamespaceDeletionContentFailure",
                false,
                "ContentDeleted",
                "All content successfully deleted, may be waiting on finalization".into(),
            ),
            if left.is_empty() {
                condition(
                    "NamespaceContentRemaining",
                    false,
                    "ContentRemoved",
                    "All content successfully removed".into(),
                )
            } else {
                condition(
                    "NamespaceContentRemaining",
                    true,
                    "SomeResourcesRemain",
                    format!("Some resources are remaining: {}", said(&left, " has ")),
                )
            },
            if finalizers.is_empty() {
                condition(
                    "NamespaceFinalizersRemaining",
                    false,
                    "ContentHasNoFinalizers",
                    "All content-preserving finalizers finished".into(),
                )
            } else {
                condition(
                    "NamespaceFinalizersRemaining",
                    true,
                    "SomeFinalizersRemain",
                    format!(
                        "Some content in the namespace has finalizers remaining: {}",
                        said(&finalizers, " in ")
                    ),
                )
            },
        ]
    }
}
