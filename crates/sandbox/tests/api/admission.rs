//! Admission-like behaviour of the sandbox API server: finalizers and garbage collection,
//! namespace lifecycle, ResourceQuota/LimitRange for pods, RBAC binding validation and
//! CRD schema pruning/validation, each pinned with kube's status codes and messages.
use crate::support::{call, get, item_names as names, make_ns, plain_options, post, start};
use http_body_util::BodyExt;
use serde_json::{Value, json};

const JSON: &str = "application/json";
const MERGE: &str = "application/merge-patch+json";

fn cm(ns: &str, name: &str, labels: Value) -> Value {
    json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":name,"namespace":ns,"labels":labels},"data":{"k":"v"}})
}

fn profile(name: &str) -> Value {
    json!({"apiVersion":"kubeflow.org/v1","kind":"Profile","metadata":{"name":name},
        "spec":{"owner":{"kind":"User","name":format!("{name}@example.com")}}})
}

#[tokio::test]
async fn rolebinding_roleref_is_immutable() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "team").await;
    let path = "/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings";
    let rb = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"kubeflow-edit"},
        "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"bob@example.com"}]});
    let (code, _) = post(&c, path, &rb).await;
    assert_eq!(code, 201);
    let patch = json!({"roleRef":{"name":"kubeflow-view"}});
    let (code, v) = call(&c, "PATCH", &format!("{path}/rb"), MERGE, Some(&patch)).await;
    assert_eq!(code, 422);
    assert_eq!(
        v["message"],
        "RoleBinding.rbac.authorization.k8s.io \"rb\" is invalid: roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\", Kind:\"ClusterRole\", Name:\"kubeflow-view\"}: cannot change roleRef"
    );
    let mut bad = rb.clone();
    bad["metadata"]["name"] = json!("rb2");
    bad["roleRef"]["kind"] = json!("Nope");
    let (code, v) = post(&c, path, &bad).await;
    assert_eq!(
        (code, v["details"]["causes"][0]["field"].clone()),
        (422, json!("roleRef.kind"))
    );
    // Names with ':' are valid for RBAC objects.
    let cr = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"kubeflow:x"},"rules":[]});
    let (code, _) = post(&c, "/apis/rbac.authorization.k8s.io/v1/clusterroles", &cr).await;
    assert_eq!(code, 201);
}

#[tokio::test]
async fn finalizers_namespace_cascade_and_owner_gc() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "doomed").await;
    let path = "/api/v1/namespaces/default/configmaps";
    let mut fin = cm("default", "held", json!({}));
    fin["metadata"]["finalizers"] = json!(["example.com/hold"]);
    let (_, owner) = post(&c, path, &fin).await;
    let mut child = cm("default", "child", json!({}));
    child["metadata"]["ownerReferences"] = json!([{"apiVersion":"v1","kind":"ConfigMap","name":"held","uid":owner["metadata"]["uid"]}]);
    assert_eq!(post(&c, path, &child).await.0, 201);
    // 200, not 202, for an object held by finalizers: kube answers 202 only for the old
    // `orphanDependents: false` (apiserver endpoints/handlers/delete.go).
    let (code, v) = call(&c, "DELETE", &format!("{path}/held"), JSON, None).await;
    assert_eq!(code, 200);
    assert!(v["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        get(&c, &format!("{path}/child")).await.0,
        200,
        "owner still exists"
    );
    let (code, _) = call(
        &c,
        "PATCH",
        &format!("{path}/held"),
        MERGE,
        Some(&json!({"metadata":{"finalizers":null}})),
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(get(&c, &format!("{path}/held")).await.0, 404);
    assert_eq!(
        get(&c, &format!("{path}/child")).await.0,
        404,
        "garbage collected"
    );
    // Orphan propagation keeps dependents and strips the ownerReference.
    let (_, owner) = post(&c, path, &cm("default", "owner2", json!({}))).await;
    let mut kid = cm("default", "kid", json!({}));
    kid["metadata"]["ownerReferences"] = json!([{"apiVersion":"v1","kind":"ConfigMap","name":"owner2","uid":owner["metadata"]["uid"]}]);
    assert_eq!(post(&c, path, &kid).await.0, 201);
    let orphan = json!({"propagationPolicy":"Orphan"});
    assert_eq!(
        call(&c, "DELETE", &format!("{path}/owner2"), JSON, Some(&orphan))
            .await
            .0,
        200
    );
    let (code, kid) = get(&c, &format!("{path}/kid")).await;
    assert_eq!(code, 200);
    assert!(kid["metadata"].get("ownerReferences").is_none());
    assert_eq!(
        post(
            &c,
            "/api/v1/namespaces/doomed/configmaps",
            &cm("doomed", "x", json!({}))
        )
        .await
        .0,
        201
    );
    assert_eq!(
        call(&c, "DELETE", "/api/v1/namespaces/doomed", JSON, None)
            .await
            .0,
        200
    );
    assert_eq!(
        get(&c, "/api/v1/namespaces/doomed/configmaps/x").await.0,
        404
    );
}

#[tokio::test]
async fn custom_resources_are_pruned_and_validated_by_their_crd_schema() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/apis/kubeflow.org/v1/profiles";
    let mut typo = profile("typo");
    typo["spec"]["ownr"] = json!("x");
    let (code, v) = post(&c, &format!("{path}?fieldValidation=Strict"), &typo).await;
    assert_eq!(code, 400);
    assert_eq!(
        v["message"],
        "Profile in version \"v1\" cannot be handled as a Profile: strict decoding error: unknown field \"spec.ownr\""
    );
    let req = http::Request::post(path)
        .header("content-type", JSON)
        .body(kube::client::Body::from(serde_json::to_vec(&typo).unwrap()))
        .unwrap();
    let resp = c.send(req).await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(
        resp.headers()["warning"],
        "299 - \"unknown field \\\"spec.ownr\\\"\""
    );
    let v: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert!(v["spec"].get("ownr").is_none(), "unknown fields are pruned");
    let mut bad = profile("bad");
    bad["spec"]["owner"]["name"] = json!(42);
    let (code, v) = post(&c, path, &bad).await;
    assert_eq!(code, 422);
    assert_eq!(v["details"]["causes"][0]["field"], "spec.owner.name");
    // field.TypeInvalid: a wrong type is its own cause type.
    assert_eq!(v["details"]["causes"][0]["reason"], "FieldValueTypeInvalid");
    assert_eq!(
        v["message"],
        "Profile.kubeflow.org \"bad\" is invalid: spec.owner.name: Invalid value: \"integer\": spec.owner.name in body must be of type string: \"integer\""
    );
    let quota = json!({"spec":{"resourceQuotaSpec":{"hard":{"cpu":"2","pods":10}}}});
    let (code, v) = call(&c, "PATCH", &format!("{path}/typo"), MERGE, Some(&quota)).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["spec"]["resourceQuotaSpec"]["hard"]["pods"], 10);
}

#[tokio::test]
async fn namespace_with_held_content_stays_terminating() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "slow").await;
    let path = "/api/v1/namespaces/slow/configmaps";
    let mut held = cm("slow", "held", json!({}));
    held["metadata"]["finalizers"] = json!(["example.com/hold"]);
    assert_eq!(post(&c, path, &held).await.0, 201);
    assert_eq!(post(&c, path, &cm("slow", "free", json!({}))).await.0, 201);
    let (code, ns) = call(&c, "DELETE", "/api/v1/namespaces/slow", JSON, None).await;
    assert_eq!(code, 200);
    assert_eq!(ns["status"]["phase"], "Terminating");
    assert_eq!(get(&c, &format!("{path}/free")).await.0, 404);
    // The namespace controller's conditions (pkg/controller/namespace/deletion).
    let (_, ns) = get(&c, "/api/v1/namespaces/slow").await;
    let status_of = |kind: &str| {
        ns["status"]["conditions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["type"] == kind)
            .map(|c| (c["status"].clone(), c["reason"].clone()))
    };
    assert_eq!(
        status_of("NamespaceContentRemaining"),
        Some((json!("True"), json!("SomeResourcesRemain")))
    );
    assert_eq!(
        status_of("NamespaceFinalizersRemaining"),
        Some((json!("True"), json!("SomeFinalizersRemain")))
    );
    assert_eq!(
        status_of("NamespaceDeletionDiscoveryFailure"),
        Some((json!("False"), json!("ResourcesDiscovered")))
    );
    let (code, v) = post(&c, path, &cm("slow", "late", json!({}))).await;
    assert_eq!(code, 403);
    assert_eq!(
        v["message"],
        "configmaps \"late\" is forbidden: unable to create new content in namespace slow because it is being terminated"
    );
    assert_eq!(v["details"]["causes"][0]["reason"], "NamespaceTerminating");
    let unhold = json!({"metadata":{"finalizers":null}});
    assert_eq!(
        call(&c, "PATCH", &format!("{path}/held"), MERGE, Some(&unhold))
            .await
            .0,
        200
    );
    assert_eq!(
        get(&c, "/api/v1/namespaces/slow").await.0,
        404,
        "namespace finalized"
    );
}

#[tokio::test]
async fn pod_creation_is_refused_beyond_quota() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "q").await;
    let quota = json!({"apiVersion":"v1","kind":"ResourceQuota","metadata":{"name":"kf-resource-quota"},
        "spec":{"hard":{"pods":"1","requests.cpu":"1"}}});
    assert_eq!(
        post(&c, "/api/v1/namespaces/q/resourcequotas", &quota)
            .await
            .0,
        201
    );
    let pod = |name: &str, cpu: &str| {
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":name},
            "spec":{"containers":[{"name":"c","image":"x","resources":{"requests":{"cpu":cpu}}}]}})
    };
    let (code, v) = post(&c, "/api/v1/namespaces/q/pods", &pod("big", "1500m")).await;
    assert_eq!(code, 403);
    assert_eq!(
        v["message"],
        "pods \"big\" is forbidden: exceeded quota: kf-resource-quota, requested: requests.cpu=1500m, used: requests.cpu=0, limited: requests.cpu=1"
    );
    assert_eq!(v["details"], json!({"name":"big","kind":"pods"}));
    assert_eq!(
        post(&c, "/api/v1/namespaces/q/pods", &pod("a", "500m"))
            .await
            .0,
        201
    );
    let (code, v) = post(&c, "/api/v1/namespaces/q/pods", &pod("b", "100m")).await;
    assert_eq!(code, 403);
    assert!(
        v["message"]
            .as_str()
            .unwrap()
            .contains("requested: pods=1, used: pods=1, limited: pods=1"),
        "{v}"
    );
}

/// An unconditional update (PUT without `metadata.resourceVersion`) is refused for custom
/// resources, whose strategy's `AllowUnconditionalUpdate()` is false (apiserver
/// `registry/generic/registry/store.go`, Update), and allowed for built-in kinds such as
/// ConfigMaps.
#[tokio::test]
async fn an_update_without_resource_version_is_refused_for_custom_resources_only() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let (code, _) = post(&c, "/apis/kubeflow.org/v1/profiles", &profile("rv")).await;
    assert_eq!(code, 201);
    let (code, v) = call(
        &c,
        "PUT",
        "/apis/kubeflow.org/v1/profiles/rv",
        JSON,
        Some(&profile("rv")),
    )
    .await;
    assert_eq!(code, 422, "{v}");
    assert_eq!(
        v["message"],
        "profiles.kubeflow.org \"rv\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update"
    );
    assert_eq!(
        v["details"]["causes"][0]["field"],
        "metadata.resourceVersion"
    );
    make_ns(&c, "team").await;
    let path = "/api/v1/namespaces/team/configmaps";
    assert_eq!(post(&c, path, &cm("team", "free", json!({}))).await.0, 201);
    let (code, v) = call(
        &c,
        "PUT",
        &format!("{path}/free"),
        JSON,
        Some(&cm("team", "free", json!({"x": "y"}))),
    )
    .await;
    assert_eq!(code, 200, "{v}");
}

/// `ValidateObjectMetaUpdate` (apimachinery `pkg/api/validation/objectmeta.go`): an object
/// being deleted may lose finalizers but not gain any.
#[tokio::test]
async fn no_finalizer_can_be_added_to_an_object_being_deleted() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "team").await;
    let path = "/api/v1/namespaces/team/configmaps";
    let mut held = cm("team", "held", json!({}));
    held["metadata"]["finalizers"] = json!(["example.com/keep"]);
    assert_eq!(post(&c, path, &held).await.0, 201);
    let (code, v) = call(&c, "DELETE", &format!("{path}/held"), JSON, None).await;
    assert!(code == 200 || code == 202, "{code} {v}");
    let add = json!({"metadata": {"finalizers": ["example.com/keep", "example.com/more"]}});
    let (code, v) = call(&c, "PATCH", &format!("{path}/held"), MERGE, Some(&add)).await;
    assert_eq!(code, 422, "{v}");
    assert_eq!(
        v["message"],
        "ConfigMap \"held\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\"example.com/more\"}"
    );
    let remove = json!({"metadata": {"finalizers": null}});
    let (code, v) = call(&c, "PATCH", &format!("{path}/held"), MERGE, Some(&remove)).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(get(&c, &format!("{path}/held")).await.0, 404);
}

/// LIST `resourceVersion`/`resourceVersionMatch` as kube-apiserver checks them
/// (`ValidateListOptions` in apimachinery's `meta/internalversion/validation`, and the watch
/// cache's `NewTooLargeResourceVersionError`): a match needs a version, `Exact` not `0`, an
/// unknown match is unsupported, a version the server has not reached is 504 with the
/// `ResourceVersionTooLarge` cause, and an exact past version is never answered with the
/// current state.
#[tokio::test]
async fn list_resource_version_semantics() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let base = "/apis/kubeflow.org/v1/profiles";
    let (code, list) = get(&c, base).await;
    assert_eq!(code, 200);
    let now: u64 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    for (query, field_message) in [
        (
            "resourceVersionMatch=NotOlderThan",
            "resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided",
        ),
        (
            "resourceVersion=0&resourceVersionMatch=Exact",
            "resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"",
        ),
        (
            "resourceVersion=1&resourceVersionMatch=Newest",
            "resourceVersionMatch: Unsupported value: \"Newest\": supported values: \"Exact\", \"NotOlderThan\"",
        ),
    ] {
        let (code, v) = get(&c, &format!("{base}?{query}")).await;
        assert_eq!(code, 422, "{query}: {v}");
        assert_eq!(
            v["message"],
            format!("ListOptions.meta.k8s.io \"\" is invalid: {field_message}"),
            "{query}"
        );
    }
    let ahead = now + 100;
    for query in [
        format!("resourceVersion={ahead}"),
        format!("resourceVersion={ahead}&resourceVersionMatch=NotOlderThan"),
    ] {
        let (code, v) = get(&c, &format!("{base}?{query}")).await;
        assert_eq!(code, 504, "{query}: {v}");
        assert_eq!(
            v["message"],
            format!("Too large resource version: {ahead}, current: {now}")
        );
        assert_eq!(
            v["details"]["causes"][0]["reason"],
            "ResourceVersionTooLarge"
        );
        assert_eq!(v["details"]["retryAfterSeconds"], 1);
    }
    let exact = |rv: u64| format!("{base}?resourceVersion={rv}&resourceVersionMatch=Exact");
    let (code, _) = get(&c, &exact(now)).await;
    assert_eq!(code, 200);
    // The state at an exact past version, read back from the history (etcd's old revision).
    let (_, first) = post(&c, base, &profile("first")).await;
    let at_first: u64 = first["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let mut changed = first.clone();
    changed["metadata"]["labels"] = json!({"changed": "yes"});
    let (code, _) = call(&c, "PUT", &format!("{base}/first"), JSON, Some(&changed)).await;
    assert_eq!(code, 200);
    assert_eq!(post(&c, base, &profile("later")).await.0, 201);
    let (code, v) = get(&c, &exact(at_first)).await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["metadata"]["resourceVersion"], at_first.to_string());
    let listed = names(&v);
    assert!(
        listed.contains(&"first".to_string()) && !listed.contains(&"later".to_string()),
        "{listed:?}"
    );
    let old = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["metadata"]["name"] == "first")
        .unwrap();
    assert!(
        old["metadata"]["labels"].get("changed").is_none(),
        "the profile as it was then: {old}"
    );
    let (_, v) = get(&c, &exact(now)).await;
    assert!(
        !names(&v).contains(&"first".to_string()),
        "not created yet at {now}"
    );
    // Older than the history (the seed is compacted, as etcd compacts): 410, never the
    // current state.
    let (code, v) = get(&c, &exact(1)).await;
    assert_eq!((code, v["reason"].clone()), (410, json!("Expired")), "{v}");
    let (code, _) = get(
        &c,
        &format!("{base}?resourceVersion={now}&resourceVersionMatch=NotOlderThan"),
    )
    .await;
    assert_eq!(code, 200);
}

/// Deleting even an empty namespace passes through Terminating (the DELETE answers with the
/// `deletionTimestamp` and phase; `spec.finalizers: [kubernetes]` holds it until the
/// namespace controller finalizes it), and a watcher sees MODIFIED before DELETED.
#[tokio::test]
async fn an_empty_namespace_is_terminating_before_it_goes() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "brief").await;
    let (_, ns) = get(&c, "/api/v1/namespaces/brief").await;
    assert_eq!(ns["spec"]["finalizers"], json!(["kubernetes"]));
    assert_eq!(ns["status"]["phase"], "Active");
    let (code, gone) = call(&c, "DELETE", "/api/v1/namespaces/brief", JSON, None).await;
    assert_eq!(code, 200);
    assert_eq!(gone["status"]["phase"], "Terminating");
    assert!(gone["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        get(&c, "/api/v1/namespaces/brief").await.0,
        404,
        "finalized at once: empty"
    );
    let rv: u64 = ns["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let req = http::Request::builder()
        .uri(format!(
            "/api/v1/namespaces?watch=1&resourceVersion={rv}&fieldSelector=metadata.name%3Dbrief"
        ))
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    let mut body = resp.into_body();
    let mut seen = String::new();
    while !seen.contains("\"DELETED\"") {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
            .await
            .expect("events within 5 s")
            .unwrap()
            .unwrap();
        if let Ok(data) = frame.into_data() {
            seen.push_str(&String::from_utf8_lossy(&data));
        }
    }
    let modified = seen.find("\"MODIFIED\"").expect("a MODIFIED event");
    assert!(modified < seen.find("\"DELETED\"").unwrap(), "{seen}");
    assert!(seen.contains("Terminating"), "{seen}");
}

/// kube-controller-manager's serviceaccounts controller and root-ca-cert-publisher: every
/// namespace has the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap with the
/// cluster CA, recreated when deleted.
#[tokio::test]
async fn new_namespaces_get_the_default_service_account_and_the_root_ca() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "fresh").await;
    assert_eq!(
        get(&c, "/api/v1/namespaces/fresh/serviceaccounts/default")
            .await
            .0,
        200
    );
    let path = "/api/v1/namespaces/fresh/configmaps/kube-root-ca.crt";
    let (code, cm) = get(&c, path).await;
    assert_eq!(code, 200);
    assert_eq!(cm["data"]["ca.crt"], sb.ca_pem());
    assert!(cm["metadata"]["annotations"]["kubernetes.io/description"].is_string());
    assert_eq!(call(&c, "DELETE", path, JSON, None).await.0, 200);
    assert_eq!(get(&c, path).await.0, 200, "published again");
}

/// A pod reads back as kube-apiserver stores it: `SetDefaults_Pod` (dnsPolicy, restartPolicy,
/// enableServiceLinks, imagePullPolicy, ...), the DefaultTolerationSeconds and ServiceAccount
/// admission plugins (tolerations, the `kube-api-access-*` token volume), the LimitRanger
/// defaults with its `kubernetes.io/limit-ranger` annotation, and the QoS class.
#[tokio::test]
async fn pods_get_the_server_defaults_limit_ranger_and_qos_class() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "pods").await;
    let lr = json!({"apiVersion":"v1","kind":"LimitRange","metadata":{"name":"lr"},
        "spec":{"limits":[{"type":"Container","default":{"cpu":"800m","memory":"512Mi"},
            "defaultRequest":{"cpu":"500m","memory":"256Mi"}}]}});
    assert_eq!(
        post(&c, "/api/v1/namespaces/pods/limitranges", &lr).await.0,
        201
    );
    let pod = |name: &str, image: &str, resources: Value| {
        json!({"apiVersion":"v1","kind":"Pod","metadata":{"name":name},
            "spec":{"containers":[{"name":"c","image":image,"resources":resources}]}})
    };
    let path = "/api/v1/namespaces/pods/pods";
    let (code, p) = post(&c, path, &pod("plain", "nginx", json!({}))).await;
    assert_eq!(code, 201, "{p}");
    assert_eq!(
        p["metadata"]["annotations"]["kubernetes.io/limit-ranger"],
        "LimitRanger plugin set: cpu, memory request for container c; cpu, memory limit for container c"
    );
    assert_eq!(p["status"]["qosClass"], "Burstable");
    let spec = &p["spec"];
    assert_eq!(
        (spec["dnsPolicy"].clone(), spec["restartPolicy"].clone()),
        (json!("ClusterFirst"), json!("Always"))
    );
    assert_eq!(spec["enableServiceLinks"], true);
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["tolerations"].as_array().unwrap().len(), 2);
    assert_eq!(spec["containers"][0]["imagePullPolicy"], "Always");
    let volume = spec["volumes"][0]["name"].as_str().unwrap();
    assert!(volume.starts_with("kube-api-access-"), "{volume}");
    assert_eq!(
        spec["containers"][0]["volumeMounts"][0]["mountPath"],
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );

    let exact = json!({"limits":{"cpu":"1","memory":"1Gi"}});
    let (_, p) = post(&c, path, &pod("exact", "nginx:1.27", exact)).await;
    assert_eq!(
        p["status"]["qosClass"], "Guaranteed",
        "requests default to limits: {p}"
    );
    assert_eq!(
        p["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
    assert!(
        p["metadata"]["annotations"]
            .get("kubernetes.io/limit-ranger")
            .is_none()
    );

    make_ns(&c, "bare").await;
    let (_, p) = post(
        &c,
        "/api/v1/namespaces/bare/pods",
        &pod("none", "nginx", json!({})),
    )
    .await;
    assert_eq!(p["status"]["qosClass"], "BestEffort");
}

/// Server-side Tables name their Age column as kube does: `date` for custom resources (the
/// column CRD defaulting adds; apiextensions-apiserver's tableconvertor puts the age in the
/// cell), `string` for built-in kinds (pkg/printers/internalversion).
#[tokio::test]
async fn table_age_columns_are_typed_like_kube() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    assert_eq!(
        post(&c, "/apis/kubeflow.org/v1/profiles", &profile("aged"))
            .await
            .0,
        201
    );
    let table = |path: &str| {
        http::Request::get(path)
            .header("accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
            .body(kube::client::Body::empty())
            .unwrap()
    };
    for (path, want) in [
        ("/apis/kubeflow.org/v1/profiles", "date"),
        ("/api/v1/namespaces", "string"),
    ] {
        let resp = c.send(table(path)).await.unwrap();
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let t: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(t["kind"], "Table", "{t}");
        let age = t["columnDefinitions"]
            .as_array()
            .unwrap()
            .iter()
            .position(|d| d["name"] == "Age")
            .unwrap();
        assert_eq!(t["columnDefinitions"][age]["type"], want, "{path}");
        let cell = t["rows"][0]["cells"][age].as_str().unwrap();
        assert!(
            cell.ends_with('s') || cell.ends_with('m'),
            "an age, not a timestamp: {cell}"
        );
    }
}

/// A completed DELETE answers with a Success Status for registries without
/// `ReturnDeletedObject` (custom resources, RBAC objects), with the object for the others
/// (ConfigMaps here, as before).
#[tokio::test]
async fn a_completed_delete_answers_like_the_registry_does() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "del").await;
    let rbs = "/apis/rbac.authorization.k8s.io/v1/namespaces/del/rolebindings";
    let rb = json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"rb"},
        "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
        "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"u@example.com"}]});
    let (_, created) = post(&c, rbs, &rb).await;
    let (code, v) = call(&c, "DELETE", &format!("{rbs}/rb"), JSON, None).await;
    assert_eq!(code, 200);
    assert_eq!(
        (v["kind"].clone(), v["status"].clone()),
        (json!("Status"), json!("Success")),
        "{v}"
    );
    assert_eq!(v["details"]["kind"], "rolebindings");
    assert_eq!(v["details"]["group"], "rbac.authorization.k8s.io");
    assert_eq!(v["details"]["uid"], created["metadata"]["uid"]);
    let aps = "/apis/security.istio.io/v1/namespaces/del/authorizationpolicies";
    let ap = json!({"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":"ap"},"spec":{}});
    assert_eq!(post(&c, aps, &ap).await.0, 201);
    let (code, v) = call(&c, "DELETE", &format!("{aps}/ap"), JSON, None).await;
    assert_eq!((code, v["status"].clone()), (200, json!("Success")), "{v}");
    let cms = "/api/v1/namespaces/del/configmaps";
    assert_eq!(post(&c, cms, &cm("del", "c", json!({}))).await.0, 201);
    let (_, v) = call(&c, "DELETE", &format!("{cms}/c"), JSON, None).await;
    assert_eq!(v["kind"], "ConfigMap");
}

/// List items of built-in kinds carry no `apiVersion`/`kind` (typed items are encoded with
/// an empty TypeMeta), custom resources' items keep theirs (unstructured); a single GET
/// always has them.
#[tokio::test]
async fn list_items_carry_type_meta_like_kube() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    assert_eq!(
        post(&c, "/apis/kubeflow.org/v1/profiles", &profile("typed"))
            .await
            .0,
        201
    );
    let (_, cms) = get(&c, "/api/v1/namespaces/default/configmaps").await;
    let item = &cms["items"][0];
    assert!(
        item.get("kind").is_none() && item.get("apiVersion").is_none(),
        "{item}"
    );
    assert_eq!(cms["kind"], "ConfigMapList");
    let (_, profiles) = get(&c, "/apis/kubeflow.org/v1/profiles").await;
    assert_eq!(profiles["items"][0]["kind"], "Profile");
    let (_, one) = get(&c, "/api/v1/namespaces/default/configmaps/kube-root-ca.crt").await;
    assert_eq!(one["kind"], "ConfigMap");
}

/// Discovery as kube-apiserver serves it: `storageVersionHash` on persisted resources
/// (base64 of sha256("group/version/kind")[..8], endpoints/discovery/storageversionhash.go),
/// `namespaces/finalize` (which writes `spec.finalizers` only), and no `apiVersion` on the
/// legacy `/api/v1` list while `/apis/G/V` lists carry one.
#[tokio::test]
async fn discovery_shape_matches_kube() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let (_, core) = get(&c, "/api/v1").await;
    assert!(core.get("apiVersion").is_none(), "{}", core["kind"]);
    let find = |list: &Value, name: &str| {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .cloned()
    };
    let pods = find(&core, "pods").unwrap();
    assert_eq!(
        pods["storageVersionHash"], "xPOwRZ+Yhw8=",
        "sha256(\"/v1/Pod\")[..8]"
    );
    assert_eq!(
        find(&core, "namespaces/finalize").unwrap()["verbs"],
        json!(["update"])
    );
    let (_, rbac) = get(&c, "/apis/rbac.authorization.k8s.io/v1").await;
    assert_eq!(rbac["apiVersion"], "v1");
    let (_, authz) = get(&c, "/apis/authorization.k8s.io/v1").await;
    assert!(
        find(&authz, "selfsubjectaccessreviews")
            .unwrap()
            .get("storageVersionHash")
            .is_none()
    );

    make_ns(&c, "fin").await;
    let (_, ns) = get(&c, "/api/v1/namespaces/fin").await;
    let mut body = ns.clone();
    body["spec"]["finalizers"] = json!([]);
    body["metadata"]["labels"]["ignored"] = json!("yes");
    let (code, v) = call(
        &c,
        "PUT",
        "/api/v1/namespaces/fin/finalize",
        JSON,
        Some(&body),
    )
    .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["spec"]["finalizers"], json!([]));
    assert!(
        v["metadata"]["labels"].get("ignored").is_none(),
        "finalize writes spec.finalizers only"
    );
}

/// Custom resource names are DNS-1123 subdomains (apimachinery `IsDNS1123Subdomain`): at most
/// 253 characters, and the regex does not limit a part to 63 — KFAM names of long identities
/// are longer than a label may be.
#[tokio::test]
async fn custom_resource_names_are_subdomains_not_labels() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "names").await;
    let aps = "/apis/security.istio.io/v1/namespaces/names/authorizationpolicies";
    let ap = |name: &str| json!({"apiVersion":"security.istio.io/v1","kind":"AuthorizationPolicy","metadata":{"name":name},"spec":{}});
    assert_eq!(post(&c, aps, &ap(&"a".repeat(71))).await.0, 201);
    assert_eq!(post(&c, aps, &ap(&"a".repeat(254))).await.0, 422);
    assert_eq!(post(&c, aps, &ap("Upper")).await.0, 422);
}
