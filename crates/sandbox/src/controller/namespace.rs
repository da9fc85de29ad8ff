//! What kube-controller-manager puts in every new namespace: the `default` ServiceAccount
//! (serviceaccounts controller) and the `kube-root-ca.crt` ConfigMap holding the cluster's CA
//! (root-ca-cert-publisher), both recreated when missing. Terminating namespaces get
//! nothing.

use serde_json::json;

use super::ControllerConfig;
use crate::store::{GroupResource, Store};

/// The description kube's root-ca-cert-publisher annotates its ConfigMap with.
const ROOT_CA_DESCRIPTION: &str = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.";

/// Makes sure `ns` has its `default` ServiceAccount and `kube-root-ca.crt` ConfigMap.
pub(super) fn reconcile(store: &mut Store, cfg: &ControllerConfig, ns: &str) {
    let live = store
        .get(&GroupResource::core("namespaces"), None, ns)
        .is_some_and(|n| n["metadata"].get("deletionTimestamp").is_none());
    if !live {
        return;
    }
    let sas = GroupResource::core("serviceaccounts");
    if store.get(&sas, Some(ns), "default").is_none() {
        let sa = json!({"apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": ns}});
        // Cannot conflict: checked just above under the same lock.
        let _ = store.create(&sas, Some(ns), sa);
    }
    let cms = GroupResource::core("configmaps");
    if store.get(&cms, Some(ns), "kube-root-ca.crt").is_none() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "kube-root-ca.crt", "namespace": ns,
                "annotations": {"kubernetes.io/description": ROOT_CA_DESCRIPTION}},
            "data": {"ca.crt": cfg.root_ca_pem}});
        let _ = store.create(&cms, Some(ns), cm);
    }
}
