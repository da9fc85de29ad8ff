//! RBAC escalation prevention on role and binding writes: a non-admin can bind only roles
//! whose permissions they hold (or that they may `bind`), and can write roles only with
//! permissions they hold (or with `escalate`). Relies on the real RBAC evaluator.
use crate::support::{call, make_ns, plain_options, post, start};
use kubectl_kubeflow_sandbox::E2E_USER;
use serde_json::{Value, json};

const RBAC: &str = "/apis/rbac.authorization.k8s.io/v1";

fn cluster_role(name: &str, rules: Value) -> Value {
    json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":name},"rules":rules})
}

fn binding(kind: &str, name: &str, role_kind: &str, role: &str, user: &str) -> Value {
    json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":kind,"metadata":{"name":name},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":role_kind,"name":role},
        "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":user}]})
}

#[tokio::test]
async fn binding_and_role_writes_cannot_escalate() {
    let sb = start(plain_options()).await;
    let admin = sb.client_for("sandbox-admin").await.unwrap();
    let user = sb.client_for(E2E_USER).await.unwrap();
    make_ns(&admin, "team").await;
    let manager = json!([
        {"apiGroups":["rbac.authorization.k8s.io"],"resources":["rolebindings","roles"],"verbs":["create","get"]},
        {"apiGroups":[""],"resources":["configmaps"],"verbs":["get","list"]}
    ]);
    for (name, rules) in [
        ("team-manager", manager),
        (
            "cm-reader",
            json!([{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}]),
        ),
        (
            "cm-deleter",
            json!([{"apiGroups":[""],"resources":["configmaps"],"verbs":["delete","get"]}]),
        ),
    ] {
        let (code, v) = post(
            &admin,
            &format!("{RBAC}/clusterroles"),
            &cluster_role(name, rules),
        )
        .await;
        assert_eq!(code, 201, "{v}");
    }
    let rb = binding(
        "RoleBinding",
        "manager",
        "ClusterRole",
        "team-manager",
        E2E_USER,
    );
    assert_eq!(
        post(&admin, &format!("{RBAC}/namespaces/team/rolebindings"), &rb)
            .await
            .0,
        201
    );

    let ok = binding(
        "RoleBinding",
        "reader",
        "ClusterRole",
        "cm-reader",
        "bob@example.com",
    );
    let (code, v) = post(&user, &format!("{RBAC}/namespaces/team/rolebindings"), &ok).await;
    assert_eq!(code, 201, "permissions held: {v}");

    let bad = binding(
        "RoleBinding",
        "deleter",
        "ClusterRole",
        "cm-deleter",
        "bob@example.com",
    );
    let (code, v) = post(&user, &format!("{RBAC}/namespaces/team/rolebindings"), &bad).await;
    assert_eq!(code, 403, "{v}");
    assert_eq!(v["reason"], "Forbidden");
    assert_eq!(
        v["message"],
        format!(
            "rolebindings.rbac.authorization.k8s.io \"deleter\" is forbidden: user \"{E2E_USER}\" (groups=[\"system:authenticated\"]) is attempting to grant RBAC permissions not currently held:\n{{APIGroups:[\"\"], Resources:[\"configmaps\"], Verbs:[\"delete\"]}}"
        )
    );
    let role = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r"},
        "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["list","watch"]}]});
    let (code, v) = post(&user, &format!("{RBAC}/namespaces/team/roles"), &role).await;
    assert_eq!(code, 403);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .ends_with("Verbs:[\"watch\"]}"),
        "{v}"
    );
    // The admin (system:masters) may grant anything.
    assert_eq!(
        post(
            &admin,
            &format!("{RBAC}/namespaces/team/rolebindings"),
            &bad
        )
        .await
        .0,
        201
    );
}

#[tokio::test]
async fn server_side_apply_that_creates_needs_create() {
    let sb = start(plain_options()).await;
    let admin = sb.client_for("sandbox-admin").await.unwrap();
    let user = sb.client_for(E2E_USER).await.unwrap();
    make_ns(&admin, "team").await;
    let patcher = cluster_role(
        "cm-patcher",
        json!([{"apiGroups":[""],"resources":["configmaps"],"verbs":["patch","get"]}]),
    );
    assert_eq!(
        post(&admin, &format!("{RBAC}/clusterroles"), &patcher)
            .await
            .0,
        201
    );
    let rb = binding("RoleBinding", "p", "ClusterRole", "cm-patcher", E2E_USER);
    assert_eq!(
        post(&admin, &format!("{RBAC}/namespaces/team/rolebindings"), &rb)
            .await
            .0,
        201
    );
    let cm = json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1"}});
    let path = "/api/v1/namespaces/team/configmaps/c?fieldManager=me";
    let (code, v) = call(
        &user,
        "PATCH",
        path,
        "application/apply-patch+yaml",
        Some(&cm),
    )
    .await;
    assert_eq!(code, 403);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("cannot create resource \"configmaps\""),
        "{v}"
    );
    assert_eq!(
        post(&admin, "/api/v1/namespaces/team/configmaps", &cm)
            .await
            .0,
        201
    );
    let (code, v) = call(
        &user,
        "PATCH",
        path,
        "application/apply-patch+yaml",
        Some(&cm),
    )
    .await;
    assert_eq!(code, 200, "{v}");
}

/// `BindingAuthorized` (`pkg/registry/rbac/escalation_check.go`) checks `bind` in the
/// binding's namespace even for a ClusterRole: a namespaced Role granting `bind` on the
/// ClusterRole `kubeflow-admin` lets its holder bind it there (201), without holding its
/// permissions; elsewhere, and for other ClusterRoles, the escalation check still refuses.
#[tokio::test]
async fn a_namespaced_bind_grant_delegates_binding_a_cluster_role() {
    let sb = start(plain_options()).await;
    let admin = sb.client_for("sandbox-admin").await.unwrap();
    let user = sb.client_for(E2E_USER).await.unwrap();
    make_ns(&admin, "team").await;
    make_ns(&admin, "other").await;
    let role = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
    "metadata":{"name":"delegate","namespace":"team"},
    "rules":[
        {"apiGroups":["rbac.authorization.k8s.io"],"resources":["rolebindings"],"verbs":["create"]},
        {"apiGroups":["rbac.authorization.k8s.io"],"resources":["clusterroles"],"verbs":["bind"],"resourceNames":["kubeflow-admin"]}
    ]});
    let (code, v) = post(&admin, &format!("{RBAC}/namespaces/team/roles"), &role).await;
    assert_eq!(code, 201, "{v}");
    let grant = binding("RoleBinding", "delegate", "Role", "delegate", E2E_USER);
    let (code, v) = post(
        &admin,
        &format!("{RBAC}/namespaces/team/rolebindings"),
        &grant,
    )
    .await;
    assert_eq!(code, 201, "{v}");

    let bind = binding(
        "RoleBinding",
        "alice-admin",
        "ClusterRole",
        "kubeflow-admin",
        "alice@example.com",
    );
    let (code, v) = post(
        &user,
        &format!("{RBAC}/namespaces/team/rolebindings"),
        &bind,
    )
    .await;
    assert_eq!(code, 201, "bind on kubeflow-admin in team: {v}");
    let edit = binding(
        "RoleBinding",
        "alice-edit",
        "ClusterRole",
        "kubeflow-edit",
        "alice@example.com",
    );
    let (code, v) = post(
        &user,
        &format!("{RBAC}/namespaces/team/rolebindings"),
        &edit,
    )
    .await;
    assert_eq!(code, 403, "no bind on kubeflow-edit: {v}");
    let (code, _) = call(
        &user,
        "POST",
        &format!("{RBAC}/namespaces/other/rolebindings"),
        "application/json",
        Some(&bind),
    )
    .await;
    assert_eq!(code, 403, "the grant is for team only");
}

/// Sends a SelfSubjectReview with the given impersonation headers; (status, body).
async fn whoami_as(client: &kube::Client, headers: &[(&str, &str)]) -> (u16, Value) {
    use http_body_util::BodyExt;
    let ssr = json!({"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"});
    let mut req = http::Request::post("/apis/authentication.k8s.io/v1/selfsubjectreviews")
        .header("content-type", "application/json");
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let req = req
        .body(kube::client::Body::from(serde_json::to_vec(&ssr).unwrap()))
        .unwrap();
    let resp = client.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&body).unwrap())
}

/// The impersonation filter of kube-apiserver v1.36
/// (staging/src/k8s.io/apiserver/pkg/endpoints/filters/impersonation/impersonation.go):
/// groups, extras or a UID without a user are a 400 listing the requests; a UID and each
/// extra value need `impersonate` on `uids` / `userextras/<key>` in authentication.k8s.io;
/// the refusal names the first thing refused (responsewriters.Forbidden); sent groups are the
/// authority (a service account gets its own groups only when none are sent).
#[tokio::test]
async fn impersonation_is_checked_like_the_v1_36_filter() {
    let sb = start(plain_options()).await;
    let admin = sb.client_for("sandbox-admin").await.unwrap();
    let user = sb.client_for(E2E_USER).await.unwrap();

    let (code, v) = whoami_as(&admin, &[("Impersonate-Group", "team")]).await;
    assert_eq!(code, 400, "{v}");
    assert_eq!(v["reason"], "BadRequest");
    assert_eq!(
        v["message"],
        "requested [{Group  team    }] without impersonating a user"
    );

    let (code, v) = whoami_as(
        &admin,
        &[
            ("Impersonate-User", "alice@example.com"),
            ("Impersonate-Uid", "u-1"),
            ("Impersonate-Extra-Scopes", "view"),
            ("Impersonate-Extra-Acme.com%2Fproject", "kf"),
        ],
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        v["status"]["userInfo"],
        json!({"username":"alice@example.com","uid":"u-1",
            "groups":["system:authenticated"],
            "extra":{"acme.com/project":["kf"],"scopes":["view"]}})
    );

    // A service account with groups sent keeps only those (plus system:authenticated).
    let (code, v) = whoami_as(
        &admin,
        &[
            ("Impersonate-User", "system:serviceaccount:team:robot"),
            ("Impersonate-Group", "auditors"),
        ],
    )
    .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(
        v["status"]["userInfo"]["groups"],
        json!(["auditors", "system:authenticated"])
    );

    // A caller allowed to impersonate users but not UIDs is refused on the UID.
    let may_impersonate = cluster_role(
        "t-impersonator",
        json!([{"apiGroups":[""],"resources":["users"],"verbs":["impersonate"]}]),
    );
    assert_eq!(
        post(&admin, &format!("{RBAC}/clusterroles"), &may_impersonate)
            .await
            .0,
        201
    );
    let crb = binding(
        "ClusterRoleBinding",
        "t-impersonator",
        "ClusterRole",
        "t-impersonator",
        E2E_USER,
    );
    assert_eq!(
        post(&admin, &format!("{RBAC}/clusterrolebindings"), &crb)
            .await
            .0,
        201
    );
    let (code, v) = whoami_as(
        &user,
        &[("Impersonate-User", "bob"), ("Impersonate-Uid", "u-2")],
    )
    .await;
    assert_eq!(code, 403, "{v}");
    assert_eq!(
        v["message"],
        format!(
            "uids.authentication.k8s.io \"u-2\" is forbidden: User \"{E2E_USER}\" cannot \
             impersonate resource \"uids\" in API group \"authentication.k8s.io\" at the cluster scope"
        )
    );
    assert_eq!(
        v["details"],
        json!({"name":"u-2","group":"authentication.k8s.io","kind":"uids"})
    );
    let (code, v) = whoami_as(
        &user,
        &[
            ("Impersonate-User", "bob"),
            ("Impersonate-Extra-Scopes", "x"),
        ],
    )
    .await;
    assert_eq!(code, 403, "{v}");
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("cannot impersonate resource \"userextras/scopes\""),
        "{v}"
    );
}
