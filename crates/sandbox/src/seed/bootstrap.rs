//! What every cluster has before Kubeflow: system namespaces and the bootstrap RBAC policy
//! (cluster-admin, the aggregated admin/edit/view roles, system:basic-user, system:discovery,
//! system:public-info-viewer, system:service-account-issuer-discovery) bound as kube-apiserver's bootstrap policy binds them; then what
//! a Kubeflow install adds: its namespaces, component ClusterRoles that aggregate into
//! kubeflow-admin/edit/view, and the central dashboard Deployment.

use serde_json::{Value, json};

use crate::store::{GroupResource, Store};

const RBAC: &str = "rbac.authorization.k8s.io/v1";

fn cluster_role(name: &str, labels: Value, rules: Value) -> Value {
    json!({"apiVersion": RBAC, "kind": "ClusterRole",
        "metadata": {"name": name, "labels": labels, "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
        "rules": rules})
}

fn aggregated(name: &str, selector_label: &str, labels: Value) -> Value {
    json!({"apiVersion": RBAC, "kind": "ClusterRole",
        "metadata": {"name": name, "labels": labels, "annotations": {"rbac.authorization.kubernetes.io/autoupdate": "true"}},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {selector_label: "true"}}]},
        "rules": []})
}

fn binding(name: &str, role: &str, groups: &[&str]) -> Value {
    let subjects: Vec<Value> = groups
        .iter()
        .map(|g| json!({"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": g}))
        .collect();
    json!({"apiVersion": RBAC, "kind": "ClusterRoleBinding",
        "metadata": {"name": name, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": subjects})
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> Value {
    json!({"apiGroups": groups, "resources": resources, "verbs": verbs})
}

/// Namespaces of a cluster with Kubeflow installed.
pub const SYSTEM_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "kubeflow",
    "istio-system",
    "auth",
    "cert-manager",
    "knative-serving",
];

/// Creates the namespaces, bootstrap roles and bindings, Kubeflow component roles and the
/// central dashboard, into an empty store (an object already there is an error).
pub fn install(store: &mut Store) -> Result<(), super::SeedError> {
    let ns = GroupResource::core("namespaces");
    for name in SYSTEM_NAMESPACES {
        store.create(
            &ns,
            None,
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}),
        )?;
    }
    let cr = GroupResource::new("rbac.authorization.k8s.io", "clusterroles");
    let roles = [
        system_roles(),
        aggregated_roles(),
        aggregate_to_roles(),
        kubeflow_component_roles(),
    ];
    for role in roles.into_iter().flatten() {
        store.create(&cr, None, role)?;
    }
    let crb = GroupResource::new("rbac.authorization.k8s.io", "clusterrolebindings");
    for b in bootstrap_bindings() {
        store.create(&crb, None, b)?;
    }
    let deployments = GroupResource::new("apps", "deployments");
    store.create(&deployments, Some("kubeflow"), central_dashboard())?;
    Ok(())
}

/// The bootstrap policy's own roles: cluster-admin and the discovery and self-review roles
/// every authenticated user has.
fn system_roles() -> Vec<Value> {
    let boot = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
    vec![
        cluster_role(
            "cluster-admin",
            boot.clone(),
            json!([{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}, {"nonResourceURLs": ["*"], "verbs": ["*"]}]),
        ),
        cluster_role(
            "system:basic-user",
            boot.clone(),
            json!([
                rule(
                    &["authentication.k8s.io"],
                    &["selfsubjectreviews"],
                    &["create"]
                ),
                rule(
                    &["authorization.k8s.io"],
                    &["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
                    &["create"]
                ),
            ]),
        ),
        cluster_role(
            "system:discovery",
            boot.clone(),
            json!([{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
        cluster_role(
            "system:service-account-issuer-discovery",
            boot.clone(),
            json!([{"nonResourceURLs": ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"], "verbs": ["get"]}]),
        ),
        cluster_role(
            "system:public-info-viewer",
            boot.clone(),
            json!([{"nonResourceURLs": ["/healthz", "/livez", "/readyz", "/version", "/version/"], "verbs": ["get"]}]),
        ),
    ]
}

/// admin, edit and view, aggregated from the `system:aggregate-to-*` roles (admin takes edit,
/// edit takes view, as the bootstrap policy labels them).
fn aggregated_roles() -> Vec<Value> {
    let boot = json!({"kubernetes.io/bootstrapping": "rbac-defaults"});
    vec![
        aggregated(
            "admin",
            "rbac.authorization.k8s.io/aggregate-to-admin",
            boot.clone(),
        ),
        aggregated(
            "edit",
            "rbac.authorization.k8s.io/aggregate-to-edit",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-admin": "true"}),
        ),
        aggregated(
            "view",
            "rbac.authorization.k8s.io/aggregate-to-view",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-edit": "true"}),
        ),
    ]
}

/// What the aggregated roles gather: `system:aggregate-to-admin|edit|view`.
fn aggregate_to_roles() -> Vec<Value> {
    let read = ["get", "list", "watch"];
    let write = ["create", "delete", "deletecollection", "patch", "update"];
    vec![
        cluster_role(
            "system:aggregate-to-admin",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-admin": "true"}),
            json!([
                rule(
                    &["rbac.authorization.k8s.io"],
                    &["rolebindings", "roles"],
                    &[
                        "create",
                        "delete",
                        "deletecollection",
                        "get",
                        "list",
                        "patch",
                        "update",
                        "watch"
                    ]
                ),
                rule(
                    &["authorization.k8s.io"],
                    &["localsubjectaccessreviews"],
                    &["create"]
                ),
            ]),
        ),
        cluster_role(
            "system:aggregate-to-edit",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-edit": "true"}),
            json!([
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "persistentvolumeclaims",
                        "pods",
                        "secrets",
                        "services",
                        "serviceaccounts"
                    ],
                    &write
                ),
                rule(
                    &["apps"],
                    &["deployments", "statefulsets", "replicasets"],
                    &write
                ),
                rule(
                    &[""],
                    &["pods/exec", "pods/attach", "pods/portforward"],
                    &["create", "get"]
                ),
            ]),
        ),
        cluster_role(
            "system:aggregate-to-view",
            json!({"kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-view": "true"}),
            json!([
                rule(
                    &[""],
                    &[
                        "configmaps",
                        "endpoints",
                        "persistentvolumeclaims",
                        "pods",
                        "pods/log",
                        "pods/status",
                        "resourcequotas",
                        "resourcequotas/status",
                        "services",
                        "serviceaccounts",
                        "limitranges"
                    ],
                    &read
                ),
                rule(
                    &["apps"],
                    &["deployments", "statefulsets", "replicasets"],
                    &read
                ),
            ]),
        ),
    ]
}

/// The Kubeflow components' roles, labelled to aggregate into kubeflow-edit and kubeflow-view.
fn kubeflow_component_roles() -> Vec<Value> {
    let read = ["get", "list", "watch"];
    let mut roles = Vec::new();
    // Kubeflow components aggregate into kubeflow-admin/edit/view with these labels.
    let kf = |role: &str| format!("rbac.authorization.kubeflow.org/aggregate-to-kubeflow-{role}");
    for (component, group, resources) in [
        (
            "pipelines",
            "pipelines.kubeflow.org",
            &[
                "pipelines",
                "pipelines/versions",
                "experiments",
                "runs",
                "jobs",
                "recurringruns",
            ][..],
        ),
        (
            "notebooks",
            "kubeflow.org",
            &["notebooks", "notebooks/status"][..],
        ),
        (
            "katib",
            "kubeflow.org",
            &["experiments", "trials", "suggestions"][..],
        ),
    ] {
        roles.push(cluster_role(
            &format!("kubeflow-{component}-edit"),
            json!({kf("edit"): "true", "app.kubernetes.io/component": component}),
            json!([rule(
                &[group],
                resources,
                &[
                    "get",
                    "list",
                    "watch",
                    "create",
                    "delete",
                    "deletecollection",
                    "patch",
                    "update"
                ]
            )]),
        ));
        roles.push(cluster_role(
            &format!("kubeflow-{component}-view"),
            json!({kf("view"): "true", "app.kubernetes.io/component": component}),
            json!([rule(&[group], resources, &read)]),
        ));
    }
    roles
}

/// The bootstrap policy's ClusterRoleBindings of the system roles.
fn bootstrap_bindings() -> Vec<Value> {
    vec![
        binding("cluster-admin", "cluster-admin", &["system:masters"]),
        binding(
            "system:basic-user",
            "system:basic-user",
            &["system:authenticated"],
        ),
        binding(
            "system:discovery",
            "system:discovery",
            &["system:authenticated"],
        ),
        binding(
            "system:public-info-viewer",
            "system:public-info-viewer",
            &["system:authenticated", "system:unauthenticated"],
        ),
        binding(
            "system:service-account-issuer-discovery",
            "system:service-account-issuer-discovery",
            &["system:serviceaccounts"],
        ),
    ]
}

/// The central dashboard as Kubeflow's manifests deploy it, with `REGISTRATION_FLOW=true`.
pub fn central_dashboard() -> Value {
    let labels = json!({"app": "centraldashboard", "app.kubernetes.io/component": "centraldashboard", "app.kubernetes.io/name": "centraldashboard"});
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "centraldashboard", "namespace": "kubeflow", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "centraldashboard"}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": "centraldashboard",
                    "containers": [{
                        "name": "centraldashboard",
                        "image": "ghcr.io/kubeflow/kubeflow/central-dashboard:v1.10.0",
                        "ports": [{"containerPort": 8082, "protocol": "TCP"}],
                        "env": [
                            {"name": "USERID_HEADER", "value": "kubeflow-userid"},
                            {"name": "USERID_PREFIX", "value": ""},
                            {"name": "PROFILES_KFAM_SERVICE_HOST", "value": "profiles-kfam.kubeflow"},
                            {"name": "REGISTRATION_FLOW", "value": "true"},
                            {"name": "DASHBOARD_CONFIGMAP", "value": "centraldashboard-config"},
                        ],
                    }],
                },
            },
        },
    })
}
