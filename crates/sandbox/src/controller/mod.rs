//! The controllers a real cluster runs next to the API server, reduced to what this tool's
//! users see: ClusterRole aggregation, ResourceQuota usage and Deployment rollout status
//! (kube-controller-manager), and
//! the Kubeflow profile controller (optional, [`ControllerConfig::kubeflow`]).
//!
//! [`reconcile`] runs after every successful write and after seeding. Like the real
//! controllers it is driven by events: it reads the store's event history since the last run
//! and reconciles only what those events touch (a full pass when the history does not reach
//! back, e.g. right after seeding). That matters for fidelity: the upstream profile controller
//! does not watch ResourceQuotas, so a hand edit of `kf-resource-quota` survives until the
//! Profile itself changes, and the demo seed relies on that to show drift.

mod aggregation;
mod deployment;
mod namespace;
mod profile;
mod quota;

use std::collections::BTreeSet;

use serde_json::Value;

use super::store::{GroupResource, Store};

/// Controller configuration (the profile controller's flags and env).
#[derive(Clone, Debug)]
pub struct ControllerConfig {
    /// Profile controller emulation on/off (`kubectl kubeflow sandbox --no-profile-controller`).
    pub kubeflow: bool,
    /// `USERID_HEADER`: the header carrying the user's email.
    pub userid_header: String,
    /// `USERID_PREFIX`: the prefix before the email in that header.
    pub userid_prefix: String,
    /// `ISTIO_INGRESS_GATEWAY_PRINCIPAL`.
    pub ingress_gateway_principal: String,
    /// `KFP_UI_PRINCIPAL`.
    pub kfp_ui_principal: String,
    /// `NOTEBOOK_CONTROLLER_PRINCIPAL`.
    pub notebook_controller_principal: String,
    /// The cluster CA (PEM) published in every namespace's `kube-root-ca.crt`.
    pub root_ca_pem: String,
}

impl Default for ControllerConfig {
    /// The values of the upstream manifests (`profiles-config` ConfigMap, Kubeflow 1.8+).
    fn default() -> Self {
        Self {
            kubeflow: true,
            userid_header: "kubeflow-userid".into(),
            userid_prefix: String::new(),
            ingress_gateway_principal:
                "cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account".into(),
            kfp_ui_principal: "cluster.local/ns/kubeflow/sa/ml-pipeline-ui".into(),
            notebook_controller_principal:
                "cluster.local/ns/kubeflow/sa/notebook-controller-service-account".into(),
            root_ca_pem: String::new(),
        }
    }
}

/// What a batch of events asks the controllers to look at.
#[derive(Debug, Default)]
struct Work {
    /// Everything (first run, or history lost).
    all: bool,
    /// ClusterRoles changed: re-aggregate.
    cluster_roles: bool,
    /// Namespaces whose pods or quotas changed: recompute quota status.
    quota_namespaces: BTreeSet<String>,
    /// Profiles to reconcile (by name).
    profiles: BTreeSet<String>,
    /// Namespaces whose bootstrap content (default ServiceAccount, root CA) to check.
    namespaces: BTreeSet<String>,
    /// Deployments (namespace, name) whose rollout status to record.
    deployments: BTreeSet<(String, String)>,
}

impl Work {
    fn from_events(store: &Store, since: u64) -> Work {
        let Ok(events) = store.events_since(since) else {
            return Work {
                all: true,
                ..Work::default()
            };
        };
        let mut work = Work::default();
        for ev in events {
            let ns = ev.object["metadata"]["namespace"].as_str();
            let name = ev.object["metadata"]["name"].as_str().unwrap_or_default();
            match (ev.gr.group.as_str(), ev.gr.resource.as_str()) {
                ("rbac.authorization.k8s.io", "clusterroles") => work.cluster_roles = true,
                ("", "pods" | "resourcequotas") => {
                    if let Some(ns) = ns {
                        work.quota_namespaces.insert(ns.to_string());
                    }
                }
                ("kubeflow.org", "profiles") => {
                    work.profiles.insert(name.to_string());
                }
                ("apps", "deployments") if ev.event_type != "DELETED" => {
                    if let Some(ns) = ns {
                        work.deployments.insert((ns.to_string(), name.to_string()));
                    }
                }
                // What the upstream controller watches besides Profiles (not ResourceQuotas).
                ("", "namespaces") => {
                    work.profiles.insert(name.to_string());
                    work.namespaces.insert(name.to_string());
                }
                ("", "serviceaccounts" | "configmaps") if ev.event_type == "DELETED" => {
                    if let Some(ns) = ns {
                        work.namespaces.insert(ns.to_string());
                        work.profiles.insert(ns.to_string());
                    }
                }
                ("", "serviceaccounts")
                | ("rbac.authorization.k8s.io", "rolebindings")
                | ("security.istio.io", "authorizationpolicies") => {
                    if let Some(ns) = ns {
                        work.profiles.insert(ns.to_string());
                    }
                }
                _ => {}
            }
        }
        work
    }
}

/// Drives every controller to a fixed point over the events since the last run. Idempotent;
/// writes only on change, through the store, so watchers see every step.
pub fn reconcile(store: &mut Store, cfg: &ControllerConfig) {
    // Each pass reacts to the previous pass's own writes (a created namespace re-triggers its
    // profile, a created quota gets its status); a handful of passes reach the fixed point.
    for _ in 0..8 {
        let since = store.controller_mark();
        let work = Work::from_events(store, since);
        store.set_controller_mark(store.resource_version());
        if !work.all
            && !work.cluster_roles
            && work.quota_namespaces.is_empty()
            && work.profiles.is_empty()
            && work.namespaces.is_empty()
            && work.deployments.is_empty()
        {
            return;
        }
        let namespaces: Vec<String> = if work.all {
            names(store, &GroupResource::core("namespaces"), None)
        } else {
            work.namespaces.iter().cloned().collect()
        };
        for ns in namespaces {
            namespace::reconcile(store, cfg, &ns);
        }
        if work.all || work.cluster_roles {
            aggregation::reconcile(store);
        }
        if cfg.kubeflow {
            let profiles: Vec<String> = if work.all {
                names(store, &profile::profiles_gr(), None)
            } else {
                work.profiles.iter().cloned().collect()
            };
            for name in profiles {
                profile::reconcile(store, cfg, &name);
            }
        }
        let rollouts: Vec<(String, String)> = if work.all {
            store
                .list(&GroupResource::new("apps", "deployments"), None)
                .into_iter()
                .filter_map(|d| {
                    Some((
                        meta(d, "namespace")?.to_string(),
                        meta(d, "name")?.to_string(),
                    ))
                })
                .collect()
        } else {
            work.deployments.iter().cloned().collect()
        };
        for (ns, name) in rollouts {
            deployment::reconcile(store, &ns, &name);
        }
        if work.all {
            quota::reconcile_all(store);
        } else {
            for ns in &work.quota_namespaces {
                quota::reconcile_namespace(store, ns);
            }
        }
    }
}

/// Names of the objects of one resource.
fn names(store: &Store, gr: &GroupResource, namespace: Option<&str>) -> Vec<String> {
    store
        .list(gr, namespace)
        .into_iter()
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// `metadata.<field>` as a string.
fn meta<'a>(obj: &'a Value, field: &str) -> Option<&'a str> {
    obj.get("metadata")?.get(field)?.as_str()
}
