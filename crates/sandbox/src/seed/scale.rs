//! `scale:N`: N uniform team profiles (`team-00001`...), each with an owner, three contributor
//! pairs and a quota, for benchmarks and "10,000 rows" UI checks.

use serde_json::json;

use crate::store::{GroupResource, Store};
use kubectl_kubeflow_core::model::Role;

/// Creates the profiles and contributors; the controllers add namespaces and the rest.
pub fn install(store: &mut Store, n: usize) -> Result<(), super::SeedError> {
    let profiles = GroupResource::new("kubeflow.org", "profiles");
    for i in 1..=n {
        let name = format!("team-{i:05}");
        let owner = format!("owner{i:05}@scale.example");
        store.create(&profiles, None, json!({
            "apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": name},
            "spec": {"owner": {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner},
                "resourceQuotaSpec": {"hard": {"cpu": "8", "memory": "32Gi"}}},
        }))?;
        for (k, role) in [(0, Role::Admin), (1, Role::Edit), (2, Role::View)] {
            let member = format!("member{:05}@scale.example", (i * 3 + k) % (n * 2).max(1));
            super::contribute(store, &name, &member, role)?;
        }
    }
    Ok(())
}
