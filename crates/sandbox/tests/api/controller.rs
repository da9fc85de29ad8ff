//! The sandbox's controllers seen through the API, as a client sees a real cluster's:
//! the Kubeflow profile controller (namespace, owner access, service accounts, quota,
//! finalizer, cascade), ResourceQuota usage and ClusterRole aggregation.
use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kubectl_kubeflow_sandbox::{Sandbox, SandboxOptions};
use serde_json::{Value, json};

async fn sandbox() -> (Sandbox, kube::Client) {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let client = sb.client_for(&sb.admin().name).await.unwrap();
    (sb, client)
}

fn api(
    client: &kube::Client,
    group: &str,
    version: &str,
    kind: &str,
    plural: &str,
    ns: Option<&str>,
) -> Api<DynamicObject> {
    let ar =
        ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    match ns {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    }
}

fn profiles(c: &kube::Client) -> Api<DynamicObject> {
    api(c, "kubeflow.org", "v1", "Profile", "profiles", None)
}

fn obj(v: Value) -> DynamicObject {
    serde_json::from_value(v).unwrap()
}

fn value(o: &DynamicObject) -> Value {
    serde_json::to_value(o).unwrap()
}

fn profile(name: &str, owner: &str, hard: Option<Value>) -> DynamicObject {
    let mut spec =
        json!({"owner": {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner}});
    if let Some(hard) = hard {
        spec["resourceQuotaSpec"] = json!({"hard": hard});
    }
    obj(
        json!({"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": name}, "spec": spec}),
    )
}

#[tokio::test]
async fn profile_gets_namespace_access_accounts_quota_and_finalizer() {
    let (_sb, c) = sandbox().await;
    profiles(&c)
        .create(
            &PostParams::default(),
            &profile("team-a", "Ann.Lee@example.com", Some(json!({"cpu": "4"}))),
        )
        .await
        .unwrap();

    let ns = value(
        &api(&c, "", "v1", "Namespace", "namespaces", None)
            .get("team-a")
            .await
            .unwrap(),
    );
    assert_eq!(
        ns["metadata"]["annotations"]["owner"],
        "Ann.Lee@example.com"
    );
    assert_eq!(ns["metadata"]["labels"]["istio-injection"], "enabled");
    assert_eq!(
        ns["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "kubeflow-profile"
    );
    assert_eq!(ns["metadata"]["ownerReferences"][0]["kind"], "Profile");

    let rbs = api(
        &c,
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Some("team-a"),
    );
    let admin = value(&rbs.get("namespaceAdmin").await.unwrap());
    assert_eq!(admin["roleRef"]["name"], "kubeflow-admin");
    assert_eq!(admin["subjects"][0]["name"], "Ann.Lee@example.com");
    assert_eq!(
        admin["metadata"]["annotations"],
        json!({"role": "admin", "user": "Ann.Lee@example.com"})
    );
    assert_eq!(
        value(&rbs.get("default-editor").await.unwrap())["roleRef"]["name"],
        "kubeflow-edit"
    );
    assert_eq!(
        value(&rbs.get("default-viewer").await.unwrap())["subjects"][0]["kind"],
        "ServiceAccount"
    );
    let sas = api(
        &c,
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        Some("team-a"),
    );
    sas.get("default-editor").await.unwrap();
    sas.get("default-viewer").await.unwrap();

    let aps = api(
        &c,
        "security.istio.io",
        "v1beta1",
        "AuthorizationPolicy",
        "authorizationpolicies",
        Some("team-a"),
    );
    let ap = value(&aps.get("ns-owner-access-istio").await.unwrap());
    assert_eq!(
        ap["spec"]["rules"][0]["when"][0]["key"],
        "request.headers[kubeflow-userid]"
    );
    assert_eq!(
        ap["spec"]["rules"][0]["when"][0]["values"][0],
        "Ann.Lee@example.com"
    );

    let quotas = api(
        &c,
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        Some("team-a"),
    );
    let q = value(&quotas.get("kf-resource-quota").await.unwrap());
    assert_eq!(q["spec"]["hard"]["cpu"], "4");
    assert_eq!(q["status"]["used"]["cpu"], "0");

    let p = value(&profiles(&c).get("team-a").await.unwrap());
    assert_eq!(p["metadata"]["finalizers"], json!(["profile-finalizer"]));
}

#[tokio::test]
async fn quota_follows_the_profile_and_is_deleted_when_hard_empties() {
    let (_sb, c) = sandbox().await;
    let p = profiles(&c);
    p.create(
        &PostParams::default(),
        &profile("team-q", "q@example.com", Some(json!({"cpu": "4"}))),
    )
    .await
    .unwrap();
    let quotas = api(
        &c,
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        Some("team-q"),
    );
    // A hand edit of the quota survives: upstream does not watch ResourceQuotas.
    quotas
        .patch(
            "kf-resource-quota",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"hard": {"cpu": "99"}}})),
        )
        .await
        .unwrap();
    assert_eq!(
        value(&quotas.get("kf-resource-quota").await.unwrap())["spec"]["hard"]["cpu"],
        "99"
    );
    // A Profile change re-applies spec.resourceQuotaSpec.
    p.patch(
        "team-q",
        &PatchParams::default(),
        &Patch::Merge(
            json!({"spec": {"resourceQuotaSpec": {"hard": {"cpu": "8", "memory": "1Gi"}}}}),
        ),
    )
    .await
    .unwrap();
    let q = value(&quotas.get("kf-resource-quota").await.unwrap());
    assert_eq!(q["spec"]["hard"], json!({"cpu": "8", "memory": "1Gi"}));
    p.patch(
        "team-q",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"resourceQuotaSpec": {"hard": null}}})),
    )
    .await
    .unwrap();
    assert!(quotas.get_opt("kf-resource-quota").await.unwrap().is_none());
}

#[tokio::test]
async fn foreign_namespace_is_not_taken_over() {
    let (_sb, c) = sandbox().await;
    let namespaces = api(&c, "", "v1", "Namespace", "namespaces", None);
    namespaces
        .create(
            &PostParams::default(),
            &obj(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "taken", "annotations": {"owner": "first@example.com"}}})),
        )
        .await
        .unwrap();
    profiles(&c)
        .create(
            &PostParams::default(),
            &profile("taken", "second@example.com", Some(json!({"cpu": "1"}))),
        )
        .await
        .unwrap();
    let ns = value(&namespaces.get("taken").await.unwrap());
    assert_eq!(ns["metadata"]["annotations"]["owner"], "first@example.com");
    let rbs = api(
        &c,
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Some("taken"),
    );
    assert!(rbs.get_opt("namespaceAdmin").await.unwrap().is_none());
    let quotas = api(
        &c,
        "",
        "v1",
        "ResourceQuota",
        "resourcequotas",
        Some("taken"),
    );
    assert!(quotas.get_opt("kf-resource-quota").await.unwrap().is_none());
}

#[tokio::test]
async fn deleting_the_profile_cascades_and_orphans_a_pre_existing_namespace() {
    let (_sb, c) = sandbox().await;
    let p = profiles(&c);
    let namespaces = api(&c, "", "v1", "Namespace", "namespaces", None);
    p.create(
        &PostParams::default(),
        &profile("gone", "g@example.com", None),
    )
    .await
    .unwrap();
    namespaces
        .create(
            &PostParams::default(),
            &obj(json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": "kept", "annotations": {"owner": "k@example.com"}}})),
        )
        .await
        .unwrap();
    p.create(
        &PostParams::default(),
        &profile("kept", "k@example.com", None),
    )
    .await
    .unwrap();
    api(
        &c,
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        Some("kept"),
    )
    .get("namespaceAdmin")
    .await
    .unwrap();

    p.delete("gone", &DeleteParams::default()).await.unwrap();
    p.delete("kept", &DeleteParams::default()).await.unwrap();
    assert!(p.get_opt("gone").await.unwrap().is_none());
    assert!(p.get_opt("kept").await.unwrap().is_none());
    assert!(namespaces.get_opt("gone").await.unwrap().is_none());
    // Not created by the controller, so no ownerReference: left behind with its labels.
    let kept = value(&namespaces.get("kept").await.unwrap());
    assert_eq!(
        kept["metadata"]["labels"]["app.kubernetes.io/part-of"],
        "kubeflow-profile"
    );
}

#[tokio::test]
async fn quota_usage_follows_pods_and_aggregation_follows_labels() {
    let (_sb, c) = sandbox().await;
    profiles(&c)
        .create(
            &PostParams::default(),
            &profile(
                "use",
                "u@example.com",
                Some(json!({"requests.cpu": "2", "pods": "5"})),
            ),
        )
        .await
        .unwrap();
    let pods = api(&c, "", "v1", "Pod", "pods", Some("use"));
    let pod = obj(
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox",
            "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1"}}}]}}),
    );
    pods.create(&PostParams::default(), &pod).await.unwrap();
    let quotas = api(&c, "", "v1", "ResourceQuota", "resourcequotas", Some("use"));
    let q = value(&quotas.get("kf-resource-quota").await.unwrap());
    assert_eq!(
        q["status"]["used"],
        json!({"pods": "1", "requests.cpu": "500m"})
    );
    pods.delete("p", &DeleteParams::default()).await.unwrap();
    let q = value(&quotas.get("kf-resource-quota").await.unwrap());
    assert_eq!(
        q["status"]["used"],
        json!({"pods": "0", "requests.cpu": "0"})
    );

    // kubeflow-edit aggregates kubeflow-kubernetes-edit (upstream roles); a new labelled part joins.
    let roles = api(
        &c,
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        None,
    );
    let before = value(&roles.get("kubeflow-edit").await.unwrap())["rules"]
        .as_array()
        .unwrap()
        .len();
    assert!(
        before > 0,
        "kubeflow-edit is aggregated from kubeflow-kubernetes-edit"
    );
    roles
        .create(&PostParams::default(), &obj(json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "extra-edit", "labels": {"rbac.authorization.kubeflow.org/aggregate-to-kubeflow-edit": "true"}},
            "rules": [{"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get"]}]})))
        .await
        .unwrap();
    let after = value(&roles.get("kubeflow-edit").await.unwrap());
    assert!(
        after["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["resources"][0] == "widgets"),
        "{after}"
    );
}
