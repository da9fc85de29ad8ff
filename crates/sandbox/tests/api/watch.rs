//! Pins list and watch behaviour of the sandbox API server: label/field selectors, limit/
//! continue pagination (and 410 for expired tokens), lists across namespaces, watch events,
//! selector transitions, bookmarks, timeouts, 410 Gone and kube-runtime's watcher.
use std::time::Duration;

use crate::support::{call, get, item_names as names, make_ns, plain_options, post, start};
use futures::{StreamExt, TryStreamExt};
use http_body_util::BodyExt;
use kube::api::{Api, DynamicObject, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use kubectl_kubeflow_sandbox::testing::GroupResource;
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
async fn selectors_pagination_and_all_namespaces() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    make_ns(&c, "other").await;
    for i in 0..7 {
        let env = if i % 2 == 0 { "prod" } else { "dev" };
        let labels = if i == 6 {
            json!({"env": env})
        } else {
            json!({"env": env, "tier": "web"})
        };
        assert_eq!(
            post(
                &c,
                "/api/v1/namespaces/default/configmaps",
                &cm("default", &format!("c{i}"), labels)
            )
            .await
            .0,
            201
        );
    }
    assert_eq!(
        post(
            &c,
            "/api/v1/namespaces/other/configmaps",
            &cm("other", "o", json!({"env":"prod"}))
        )
        .await
        .0,
        201
    );
    let q = |sel: &str| {
        format!(
            "/api/v1/namespaces/default/configmaps?labelSelector={}",
            url_escape(sel)
        )
    };
    assert_eq!(
        names(&get(&c, &q("env=prod")).await.1),
        ["c0", "c2", "c4", "c6"]
    );
    assert_eq!(names(&get(&c, &q("env==dev")).await.1), ["c1", "c3", "c5"]);
    // kube-controller-manager's kube-root-ca.crt (in every namespace) has no `env` label.
    assert_eq!(
        names(&get(&c, &q("env!=prod")).await.1),
        ["c1", "c3", "c5", "kube-root-ca.crt"]
    );
    assert_eq!(
        names(&get(&c, &q("env in (dev),tier")).await.1),
        ["c1", "c3", "c5"]
    );
    assert_eq!(
        names(&get(&c, &q("env notin (dev)")).await.1),
        ["c0", "c2", "c4", "c6", "kube-root-ca.crt"]
    );
    assert_eq!(
        names(&get(&c, &q("!tier")).await.1),
        ["c6", "kube-root-ca.crt"]
    );
    let (code, v) = get(&c, "/api/v1/configmaps?labelSelector=env%3Dprod").await;
    assert_eq!(code, 200);
    assert_eq!(v["kind"], "ConfigMapList");
    assert_eq!(names(&v), ["c0", "c2", "c4", "c6", "o"]);
    assert!(v["metadata"]["resourceVersion"].is_string());
    let (_, v) = get(
        &c,
        "/api/v1/configmaps?fieldSelector=metadata.namespace%3Dother",
    )
    .await;
    assert_eq!(names(&v), ["kube-root-ca.crt", "o"]);
    let (_, v) = get(
        &c,
        "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%21%3Dc0",
    )
    .await;
    assert_eq!(names(&v).len(), 7, "c1..c6 and kube-root-ca.crt");
    assert_eq!(
        get(&c, "/api/v1/configmaps?fieldSelector=data.k%3Dv")
            .await
            .0,
        400
    );
    assert_eq!(get(&c, &q("env in prod")).await.0, 400);
    // Pagination.
    let mut seen = Vec::new();
    let mut cont = String::new();
    let mut pages = 0;
    loop {
        let mut p = "/api/v1/namespaces/default/configmaps?limit=3".to_string();
        if !cont.is_empty() {
            p.push_str(&format!("&continue={cont}"));
        }
        let (code, v) = get(&c, &p).await;
        assert_eq!(code, 200);
        pages += 1;
        seen.extend(names(&v));
        match v["metadata"]["continue"].as_str() {
            Some(t) => {
                // 8 objects (c0..c6, kube-root-ca.crt), 3 a page: 5 left, then 2.
                assert_eq!(v["metadata"]["remainingItemCount"], 8 - 3 * pages);
                cont = t.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut want: Vec<String> = (0..7).map(|i| format!("c{i}")).collect();
    want.push("kube-root-ca.crt".into());
    assert_eq!(seen, want);
    let (_, first) = get(&c, "/api/v1/namespaces/default/configmaps?limit=2").await;
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    // Compaction past the token's snapshot (a later write, then compact) expires it.
    assert_eq!(
        post(
            &c,
            "/api/v1/namespaces/default/configmaps",
            &cm("default", "late", json!({}))
        )
        .await
        .0,
        201
    );
    sb.store().lock().unwrap().compact();
    let (code, v) = get(
        &c,
        &format!("/api/v1/namespaces/default/configmaps?limit=2&continue={token}"),
    )
    .await;
    assert_eq!((code, v["reason"].clone()), (410, json!("Expired")));
    assert_eq!(
        get(
            &c,
            "/api/v1/namespaces/default/configmaps?limit=2&continue=garbage"
        )
        .await
        .0,
        400
    );
}

/// Paging across namespaces whose names order differently as strings (`a-b/` sorts before
/// `a/`) sees every object once, in the order of an unpaged list.
#[tokio::test]
async fn paging_across_namespaces_sees_every_object_once() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    for ns in ["team", "team-b"] {
        make_ns(&c, ns).await;
        for n in ["x", "y"] {
            let path = format!("/api/v1/namespaces/{ns}/configmaps");
            assert_eq!(post(&c, &path, &cm(ns, n, json!({"p": "1"}))).await.0, 201);
        }
    }
    let key = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["metadata"]["namespace"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect()
    };
    let (_, all) = get(&c, "/api/v1/configmaps?labelSelector=p%3D1").await;
    let mut paged = Vec::new();
    let mut cont = String::new();
    loop {
        let mut p = "/api/v1/configmaps?labelSelector=p%3D1&limit=1".to_string();
        if !cont.is_empty() {
            p.push_str(&format!("&continue={cont}"));
        }
        let (code, v) = get(&c, &p).await;
        assert_eq!(code, 200);
        paged.extend(key(&v));
        match v["metadata"]["continue"].as_str() {
            Some(t) => cont = t.to_string(),
            None => break,
        }
    }
    assert_eq!(paged, key(&all));
    assert_eq!(paged.len(), 4);
}

fn url_escape(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn read_events(body: &mut kube::client::Body, n: usize, buf: &mut Vec<u8>) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        if let Some(pos) = buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            out.push(serde_json::from_slice(&line).unwrap());
            continue;
        }
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("watch event in time");
        match frame {
            Some(Ok(f)) => {
                if let Ok(d) = f.into_data() {
                    buf.extend_from_slice(&d);
                }
            }
            _ => break,
        }
    }
    out
}

async fn open_watch(c: &kube::Client, path: &str) -> kube::client::Body {
    let req = http::Request::get(path)
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    resp.into_body()
}

#[tokio::test]
async fn watch_streams_events_bookmarks_and_gone() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    let (_, list) = get(&c, path).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = open_watch(
        &c,
        &format!("{path}?watch=true&resourceVersion={rv}&allowWatchBookmarks=true"),
    )
    .await;
    let (_, created) = post(&c, path, &cm("default", "w", json!({}))).await;
    let mut upd = created.clone();
    upd["data"]["k"] = json!("2");
    assert_eq!(
        call(&c, "PUT", &format!("{path}/w"), JSON, Some(&upd))
            .await
            .0,
        200
    );
    assert_eq!(
        call(&c, "DELETE", &format!("{path}/w"), JSON, None).await.0,
        200
    );
    let mut buf = Vec::new();
    let mut evs = Vec::new();
    while evs
        .iter()
        .filter(|e: &&Value| e["type"] != "BOOKMARK")
        .count()
        < 3
    {
        let got = read_events(&mut body, 1, &mut buf).await;
        assert_eq!(got.len(), 1, "watch ended early");
        evs.extend(got);
    }
    let types: Vec<&str> = evs
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|t| *t != "BOOKMARK")
        .collect();
    assert_eq!(types, ["ADDED", "MODIFIED", "DELETED"]);
    assert_eq!(
        evs.iter().find(|e| e["type"] == "ADDED").unwrap()["object"]["kind"],
        "ConfigMap"
    );
    // A bookmark arrives within the bookmark interval.
    let more = read_events(&mut body, 2, &mut buf).await;
    assert!(evs.iter().chain(&more).any(|e| e["type"] == "BOOKMARK"));
    let bm = evs
        .iter()
        .chain(&more)
        .find(|e| e["type"] == "BOOKMARK")
        .unwrap();
    assert!(bm["object"]["metadata"]["resourceVersion"].is_string());

    // Resuming from an rv older than the history: one ERROR event with a 410 Status.
    sb.store().lock().unwrap().compact();
    let mut body = open_watch(&c, &format!("{path}?watch=true&resourceVersion={rv}")).await;
    let evs = read_events(&mut body, 1, &mut Vec::new()).await;
    assert_eq!(evs[0]["type"], "ERROR");
    assert_eq!(evs[0]["object"]["code"], 410);
    assert_eq!(evs[0]["object"]["reason"], "Expired");
    // Legacy /watch/ path, timeoutSeconds ends the stream.
    let mut body = open_watch(
        &c,
        "/api/v1/watch/namespaces/default/configmaps?timeoutSeconds=1",
    )
    .await;
    // Asks for 10 events where there is 1: returns only because the stream ends
    // (`read_events` fails when no frame and no end comes).
    let evs = read_events(&mut body, 10, &mut Vec::new()).await;
    let names: Vec<&str> = evs
        .iter()
        .map(|e| e["object"]["metadata"]["name"].as_str().unwrap_or_default())
        .collect();
    assert!(names.iter().all(|n| *n == "kube-root-ca.crt"), "{names:?}");
}

#[tokio::test]
async fn kube_runtime_watcher_sees_profile_changes() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Profile"));
    let api: Api<DynamicObject> = Api::all_with(c.clone(), &ar);
    let obj: DynamicObject = serde_json::from_value(profile("before")).unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
    let stream = kube::runtime::watcher(api.clone(), kube::runtime::watcher::Config::default());
    let mut stream = std::pin::pin!(stream);
    let mut init_seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match ev {
            kube::runtime::watcher::Event::InitApply(o) => init_seen.push(o.metadata.name.unwrap()),
            kube::runtime::watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(init_seen, ["before"]);
    // Another client changes the store directly.
    {
        let store = sb.store();
        let mut s = store.lock().unwrap();
        s.create(
            &GroupResource::new("kubeflow.org", "profiles"),
            None,
            profile("after"),
        )
        .unwrap();
    }
    let ev = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    match ev {
        kube::runtime::watcher::Event::Apply(o) => {
            assert_eq!(o.metadata.name.as_deref(), Some("after"))
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test]
async fn watch_with_selector_reports_objects_entering_and_leaving() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    let (_, list) = get(&c, path).await;
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut body = open_watch(
        &c,
        &format!("{path}?watch=1&resourceVersion={rv}&labelSelector=env%3Dprod"),
    )
    .await;
    assert_eq!(
        post(&c, path, &cm("default", "s", json!({"env":"prod"})))
            .await
            .0,
        201
    );
    assert_eq!(
        post(&c, path, &cm("default", "other", json!({"env":"dev"})))
            .await
            .0,
        201
    );
    let relabel = |env: &str| json!({"metadata":{"labels":{"env":env}}});
    assert_eq!(
        call(
            &c,
            "PATCH",
            &format!("{path}/s"),
            MERGE,
            Some(&relabel("dev"))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &c,
            "PATCH",
            &format!("{path}/s"),
            MERGE,
            Some(&relabel("prod"))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        call(
            &c,
            "PATCH",
            &format!("{path}/s"),
            MERGE,
            Some(&json!({"data":{"k":"2"}}))
        )
        .await
        .0,
        200
    );
    let evs = read_events(&mut body, 4, &mut Vec::new()).await;
    let seen: Vec<(String, String)> = evs
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["object"]["metadata"]["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let want = [
        ("ADDED", "s"),
        ("DELETED", "s"),
        ("ADDED", "s"),
        ("MODIFIED", "s"),
    ];
    assert_eq!(seen, want.map(|(a, b)| (a.to_string(), b.to_string())));
}

#[tokio::test]
async fn kube_runtime_streaming_list_watcher_gets_initial_events_end() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let ar = ApiResource::from_gvk(&GroupVersionKind::gvk("kubeflow.org", "v1", "Profile"));
    let api: Api<DynamicObject> = Api::all_with(c.clone(), &ar);
    let obj: DynamicObject = serde_json::from_value(profile("streamed")).unwrap();
    api.create(&PostParams::default(), &obj).await.unwrap();
    let cfg = kube::runtime::watcher::Config::default().streaming_lists();
    let mut stream = std::pin::pin!(kube::runtime::watcher(api, cfg));
    let mut init = Vec::new();
    loop {
        let ev = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match ev {
            kube::runtime::watcher::Event::InitApply(o) => init.push(o.metadata.name.unwrap()),
            kube::runtime::watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert_eq!(init, ["streamed"]);
}

#[tokio::test]
async fn delete_collection_honours_selectors() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    let mut created = Vec::new();
    for (n, env) in [("a", "prod"), ("b", "dev"), ("c", "prod")] {
        let (code, v) = post(&c, path, &cm("default", n, json!({"env": env}))).await;
        assert_eq!(code, 201);
        created.push(v);
    }
    let (_, before) = get(&c, path).await;
    let (code, v) = call(
        &c,
        "DELETE",
        &format!("{path}?labelSelector=env%3Dprod"),
        JSON,
        None,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(v["kind"], "ConfigMapList");
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    // The registry's DeleteCollection answers the list it took before deleting
    // (staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go): the list's
    // resourceVersion and each item as it was stored.
    assert_eq!(
        v["metadata"]["resourceVersion"],
        before["metadata"]["resourceVersion"]
    );
    assert_eq!(
        v["items"][1]["metadata"]["resourceVersion"],
        created[2]["metadata"]["resourceVersion"]
    );
    assert!(v["items"][0].get("kind").is_none(), "{v}");
    let (_, left) = get(&c, path).await;
    let names: Vec<&str> = left["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["b", "kube-root-ca.crt"]);
    assert_eq!(
        call(&c, "DELETE", "/api/v1/namespaces", JSON, None).await.0,
        405
    );
}

#[tokio::test]
async fn metadata_only_get_list_and_watch() {
    let sb = start(plain_options()).await;
    let c = sb.client_for("sandbox-admin").await.unwrap();
    let path = "/api/v1/namespaces/default/configmaps";
    assert_eq!(
        post(&c, path, &cm("default", "m", json!({"x":"y"})))
            .await
            .0,
        201
    );
    let api: Api<k8s_openapi::api::core::v1::ConfigMap> = Api::namespaced(c.clone(), "default");
    let meta = api.get_metadata("m").await.unwrap();
    assert_eq!(meta.metadata.labels.unwrap()["x"], "y");
    let list = api.list_metadata(&Default::default()).await.unwrap();
    assert_eq!(list.items.len(), 2, "m and kube-root-ca.crt");
    let (_, raw) = {
        let req = http::Request::get(path)
            .header(
                "accept",
                "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
            )
            .body(kube::client::Body::empty())
            .unwrap();
        let resp = c.send(req).await.unwrap();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        ((), serde_json::from_slice::<Value>(&bytes).unwrap())
    };
    assert_eq!(raw["kind"], "PartialObjectMetadataList");
    assert!(raw["items"][0].get("data").is_none());
    let meta_api: Api<kube::core::PartialObjectMeta<k8s_openapi::api::core::v1::ConfigMap>> =
        Api::namespaced(c.clone(), "default");
    let mut stream = std::pin::pin!(kube::runtime::watcher(meta_api, Default::default()));
    let mut seen = false;
    while let Some(ev) = tokio::time::timeout(Duration::from_secs(5), stream.try_next())
        .await
        .unwrap()
        .unwrap()
    {
        match ev {
            kube::runtime::watcher::Event::InitApply(o) => {
                seen = o.metadata.name.as_deref() == Some("m")
            }
            kube::runtime::watcher::Event::InitDone => break,
            _ => {}
        }
    }
    assert!(seen);
}
