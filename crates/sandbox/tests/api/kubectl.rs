//! Drives the real `kubectl` (v1.32 on these machines) against an in-process sandbox through
//! get/create/apply (client- and server-side)/replace/patch/delete/auth can-i/auth whoami and
//! the typed generator commands (`create namespace|rolebinding|configmap`, which send
//! protobuf). Skips with a printed reason when kubectl is not installed.
use std::path::{Path, PathBuf};

use crate::support::{plain_options, start};
use kubectl_kubeflow_sandbox::Sandbox;
use serde_json::Value;

struct Kubectl {
    bin: PathBuf,
    kubeconfig: PathBuf,
    home: tempfile::TempDir,
}

struct Out {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Kubectl {
    fn find() -> Option<PathBuf> {
        let candidates = [
            PathBuf::from("/usr/bin/kubectl"),
            PathBuf::from("/usr/local/bin/kubectl"),
        ];
        candidates.into_iter().find(|p| p.exists())
    }

    fn new(sb: &Sandbox) -> Option<Self> {
        let bin = Self::find()?;
        let home = tempfile::tempdir().unwrap();
        let kubeconfig = home.path().join("kubeconfig");
        sb.write_kubeconfig(&kubeconfig).unwrap();
        Some(Self {
            bin,
            kubeconfig,
            home,
        })
    }

    async fn run(&self, args: &[&str], stdin: Option<&str>) -> Out {
        use tokio::io::AsyncWriteExt;
        let mut cmd = tokio::process::Command::new(&self.bin);
        cmd.args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("HOME", self.home.path())
            .env_remove("KUBECTL_KUBEFLOW_E2E_KUBECONFIG")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let mut pipe = child.stdin.take().unwrap();
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).await.unwrap();
        }
        drop(pipe);
        let out = child.wait_with_output().await.unwrap();
        Out {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    async fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args, None).await;
        assert!(out.ok, "kubectl {args:?} failed: {}", out.stderr);
        out.stdout
    }

    async fn ok_stdin(&self, args: &[&str], input: &str) -> String {
        let out = self.run(args, Some(input)).await;
        assert!(out.ok, "kubectl {args:?} failed: {}", out.stderr);
        out.stdout
    }

    async fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args).await).unwrap()
    }

    fn file(&self, name: &str, content: &str) -> String {
        let p: &Path = self.home.path();
        let path = p.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_string_lossy().into_owned()
    }
}

const CM: &str = "apiVersion: v1
kind: ConfigMap
metadata:
  name: c1
  namespace: default
  labels: {app: x}
data:
  a: \"1\"
";

const DEPLOY: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx
        env:
        - {name: A, value: \"1\"}
        - {name: B, value: \"2\"}
";

const PROFILE: &str = "apiVersion: kubeflow.org/v1
kind: Profile
metadata:
  name: alice
spec:
  owner: {kind: User, name: alice@example.com}
";

async fn setup() -> Option<(Sandbox, Kubectl)> {
    let sb = start(plain_options()).await;
    match Kubectl::new(&sb) {
        Some(k) => Some((sb, k)),
        None => {
            println!("skipping: kubectl not found in /usr/bin or /usr/local/bin");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_create_replace_delete() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    let out = k.ok(&["get", "ns"]).await;
    assert!(out.starts_with("NAME"), "{out}");
    assert!(out.contains("default"));
    let cm = k.file("cm.yaml", CM);
    assert!(
        k.ok(&["create", "-f", &cm])
            .await
            .contains("configmap/c1 created")
    );
    let again = k.run(&["create", "-f", &cm], None).await;
    assert!(!again.ok);
    assert!(again.stderr.contains("(AlreadyExists)"), "{}", again.stderr);
    let v = k.json(&["get", "cm", "c1", "-o", "json"]).await;
    assert_eq!(v["data"]["a"], "1");
    let yaml = k.ok(&["get", "configmap/c1", "-o", "yaml"]).await;
    assert!(yaml.contains("resourceVersion:"));
    assert!(
        k.ok(&["get", "cm", "-l", "app=x", "-A"])
            .await
            .contains("c1")
    );
    // What does not carry app=x: only kube-controller-manager's kube-root-ca.crt copies.
    let others = k
        .ok(&["get", "cm", "-l", "app!=x", "-A", "-o", "name"])
        .await;
    assert!(
        others.lines().all(|l| l == "configmap/kube-root-ca.crt"),
        "{others}"
    );
    assert_eq!(
        k.ok(&[
            "get",
            "cm",
            "--field-selector",
            "metadata.name=c1",
            "-o",
            "name"
        ])
        .await
        .trim(),
        "configmap/c1"
    );
    // replace with the fetched object, then with a stale copy.
    let replaced = yaml.replace("a: \"1\"", "a: \"2\"");
    assert!(
        k.ok_stdin(&["replace", "-f", "-"], &replaced)
            .await
            .contains("configmap/c1 replaced")
    );
    let stale = k.run(&["replace", "-f", "-"], Some(&replaced)).await;
    assert!(!stale.ok);
    assert!(
        stale.stderr.contains("the object has been modified"),
        "{}",
        stale.stderr
    );
    assert!(
        k.ok(&["delete", "-f", &cm])
            .await
            .contains("configmap \"c1\" deleted")
    );
    let gone = k.run(&["get", "cm", "c1"], None).await;
    assert!(gone.stderr.contains("(NotFound)"), "{}", gone.stderr);
    // Typed generator commands post protobuf bodies.
    k.ok(&["create", "namespace", "team"]).await;
    k.ok(&[
        "create",
        "configmap",
        "gen",
        "--from-literal=k=v",
        "-n",
        "team",
    ])
    .await;
    k.ok(&[
        "create",
        "rolebinding",
        "rb",
        "--clusterrole=view",
        "--user=bob@example.com",
        "-n",
        "team",
    ])
    .await;
    k.ok(&["create", "serviceaccount", "robot", "-n", "team"])
        .await;
    k.ok(&[
        "run",
        "nginx",
        "--image=nginx:1.27",
        "-n",
        "team",
        "--env=A=1",
        "--port=80",
    ])
    .await;
    let pod = k
        .json(&["get", "pod", "nginx", "-n", "team", "-o", "json"])
        .await;
    assert_eq!(pod["spec"]["containers"][0]["image"], "nginx:1.27");
    assert_eq!(pod["spec"]["containers"][0]["env"][0]["name"], "A");
    assert_eq!(
        pod["spec"]["containers"][0]["ports"][0]["containerPort"],
        80
    );
    assert_eq!(pod["status"]["phase"], "Pending");
    k.ok(&[
        "create",
        "deployment",
        "web",
        "--image=nginx",
        "--replicas=2",
        "-n",
        "team",
    ])
    .await;
    let dep = k
        .json(&["get", "deploy", "web", "-n", "team", "-o", "json"])
        .await;
    assert_eq!(dep["spec"]["replicas"], 2);
    assert_eq!(dep["spec"]["selector"]["matchLabels"]["app"], "web");
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx"
    );
    k.ok(&[
        "set",
        "resources",
        "deploy",
        "web",
        "-n",
        "team",
        "--requests=cpu=100m",
    ])
    .await;
    let dep = k
        .json(&["get", "deploy", "web", "-n", "team", "-o", "json"])
        .await;
    assert_eq!(
        dep["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"],
        "100m"
    );
    let rb = k
        .json(&["get", "rolebinding", "rb", "-n", "team", "-o", "json"])
        .await;
    assert_eq!(rb["roleRef"]["name"], "view");
    assert_eq!(rb["subjects"][0]["name"], "bob@example.com");
    let ns = k.json(&["get", "ns", "team", "-o", "json"]).await;
    assert_eq!(ns["status"]["phase"], "Active");
    assert!(k.ok(&["delete", "ns", "team"]).await.contains("deleted"));
    assert!(
        k.run(&["get", "cm", "gen", "-n", "team"], None)
            .await
            .stderr
            .contains("NotFound")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_apply_and_patch() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    let dep = k.file("dep.yaml", DEPLOY);
    assert!(
        k.ok(&["apply", "-f", &dep])
            .await
            .contains("deployment.apps/web created")
    );
    let dep2 = k.file(
        "dep2.yaml",
        &DEPLOY
            .replace("value: \"2\"", "value: \"3\"")
            .replace("replicas: 1", "replicas: 2"),
    );
    let out = k.run(&["apply", "-f", &dep2], None).await;
    assert!(out.ok, "{}", out.stderr);
    assert!(out.stdout.contains("deployment.apps/web configured"));
    assert!(
        !out.stderr.contains("warning"),
        "no OpenAPI warnings: {}",
        out.stderr
    );
    let v = k.json(&["get", "deploy", "web", "-o", "json"]).await;
    assert_eq!(v["spec"]["replicas"], 2);
    assert_eq!(
        v["spec"]["template"]["spec"]["containers"][0]["env"][1]["value"],
        "3"
    );
    // Strategic merge keeps other containers' fields; merge and json patches.
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-p",
        r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:2"}]}}}}"#,
    ])
    .await;
    let v = k.json(&["get", "deploy", "web", "-o", "json"]).await;
    let c0 = &v["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        (c0["image"].as_str(), c0["env"].as_array().map(Vec::len)),
        (Some("nginx:2"), Some(2))
    );
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "merge",
        "-p",
        r#"{"metadata":{"labels":{"m":"1"}}}"#,
    ])
    .await;
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "--type",
        "json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":4}]"#,
    ])
    .await;
    let v = k.json(&["get", "deploy", "web", "-o", "json"]).await;
    assert_eq!(
        (
            v["metadata"]["labels"]["m"].as_str(),
            v["spec"]["replicas"].as_i64()
        ),
        (Some("1"), Some(4))
    );
    // Custom resources: client-side apply (merge patch) and get through the CRD.
    let prof = k.file("profile.yaml", PROFILE);
    assert!(
        k.ok(&["apply", "-f", &prof])
            .await
            .contains("profile.kubeflow.org/alice created")
    );
    let prof2 = k.file(
        "profile2.yaml",
        &PROFILE.replace("alice@example.com", "alice2@example.com"),
    );
    assert!(k.ok(&["apply", "-f", &prof2]).await.contains("configured"));
    assert_eq!(
        k.json(&["get", "profile", "alice", "-o", "json"]).await["spec"]["owner"]["name"],
        "alice2@example.com"
    );
    assert!(k.ok(&["get", "profiles"]).await.contains("alice"));
    let explained = k.ok(&["explain", "profile.spec"]).await;
    assert!(
        explained.contains("ProfileSpec defines the desired state of Profile"),
        "{explained}"
    );
    // kubectl validates strictly by default: the server rejects unknown fields.
    let typo = k.file("typo.yaml", &PROFILE.replace("owner:", "ownr: x\n  owner:"));
    let strict = k.run(&["apply", "-f", &typo], None).await;
    assert!(!strict.ok);
    assert!(
        strict
            .stderr
            .contains("strict decoding error: unknown field \"spec.ownr\""),
        "{}",
        strict.stderr
    );
    let warned = k
        .run(&["apply", "--validate=warn", "-f", &typo], None)
        .await;
    assert!(warned.ok, "{}", warned.stderr);
    assert!(
        warned
            .stderr
            .contains("Warning: unknown field \"spec.ownr\""),
        "{}",
        warned.stderr
    );
    let bad = k
        .run(
            &[
                "patch",
                "profile",
                "alice",
                "--type",
                "strategic",
                "-p",
                "{}",
            ],
            None,
        )
        .await;
    assert!(!bad.ok);
    // Server-side apply with a conflict against kubectl patch's field manager.
    let cm = k.file("cm.yaml", CM);
    assert!(
        k.ok(&["apply", "--server-side", "-f", &cm])
            .await
            .contains("serverside-applied")
    );
    k.ok(&[
        "patch",
        "cm",
        "c1",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"a":"other"}}"#,
    ])
    .await;
    let conflict = k.run(&["apply", "--server-side", "-f", &cm], None).await;
    assert!(!conflict.ok);
    assert!(
        conflict.stderr.contains("conflict with \"kubectl-patch\""),
        "{}",
        conflict.stderr
    );
    k.ok(&["apply", "--server-side", "--force-conflicts", "-f", &cm])
        .await;
    assert_eq!(
        k.json(&["get", "cm", "c1", "-o", "json"]).await["data"]["a"],
        "1"
    );
    let mf = k
        .json(&["get", "cm", "c1", "-o", "json", "--show-managed-fields"])
        .await;
    assert!(
        mf["metadata"]["managedFields"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["manager"] == "kubectl" && e["operation"] == "Apply")
    );
    // dry run
    k.ok(&["delete", "deploy", "web", "--dry-run=server"]).await;
    assert!(
        k.ok(&["get", "deploy", "web", "-o", "name"])
            .await
            .contains("web")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_auth_can_i_and_whoami() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    assert_eq!(
        k.ok(&["auth", "can-i", "create", "namespaces"])
            .await
            .trim(),
        "yes"
    );
    let who = k.json(&["auth", "whoami", "-o", "json"]).await;
    assert_eq!(who["status"]["userInfo"]["username"], "sandbox-admin");
    // Let the e2e user ask (on a real cluster system:basic-user grants this to everyone).
    k.ok(&[
        "create",
        "clusterrole",
        "can-i-asker",
        "--verb=create",
        "--resource=selfsubjectaccessreviews.authorization.k8s.io",
    ])
    .await;
    k.ok(&[
        "create",
        "clusterrolebinding",
        "can-i-asker",
        "--clusterrole=can-i-asker",
        "--user=e2e-user@example.com",
    ])
    .await;
    let no = k
        .run(
            &[
                "auth",
                "can-i",
                "delete",
                "namespaces",
                "--context",
                "e2e-user",
            ],
            None,
        )
        .await;
    assert!(!no.ok);
    assert_eq!(no.stdout.trim(), "no");
    let forbidden = k.run(&["get", "ns", "--context", "e2e-user"], None).await;
    assert!(!forbidden.ok);
    assert!(
        forbidden.stderr.contains("(Forbidden)"),
        "{}",
        forbidden.stderr
    );
    assert!(
        forbidden
            .stderr
            .contains("cannot list resource \"namespaces\""),
        "{}",
        forbidden.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_get_watch_prints_table_rows() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    let cm = k.file("cm.yaml", CM);
    k.ok(&["create", "-f", &cm]).await;
    let mut child = tokio::process::Command::new(&k.bin)
        .args(["get", "cm", "c1", "-w"])
        .env("KUBECONFIG", &k.kubeconfig)
        .env("HOME", k.home.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for what kubectl prints, not for a time: the initial row, then (after the label)
    // the update's row.
    use tokio::io::AsyncBufReadExt as _;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen = Vec::new();
    let mut next_row = async || loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(30), lines.next_line())
            .await
            .expect("kubectl prints the row in time")
            .unwrap()
            .expect("kubectl keeps watching");
        seen.push(line.clone());
        if line.starts_with("c1 ") {
            return;
        }
    };
    next_row().await;
    k.ok(&["label", "cm", "c1", "seen=yes"]).await;
    next_row().await;
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    assert!(seen[0].starts_with("NAME"), "{seen:?}");
    assert_eq!(
        seen.iter().filter(|l| l.starts_with("c1 ")).count(),
        2,
        "{seen:?}"
    );
}

/// CRDs carry what kube-apiserver's naming and establishing controllers write (conditions,
/// accepted names, stored versions) and the defaulted `spec.conversion`, so
/// `kubectl wait --for=condition=Established` returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_waits_for_established_crds() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    let out = k
        .ok(&[
            "wait",
            "--for=condition=Established",
            "--timeout=10s",
            "crd/profiles.kubeflow.org",
        ])
        .await;
    assert!(out.contains("condition met"), "{out}");
    let crd = k
        .json(&["get", "crd", "profiles.kubeflow.org", "-o", "json"])
        .await;
    assert_eq!(crd["spec"]["conversion"]["strategy"], "None");
    assert_eq!(crd["status"]["acceptedNames"]["kind"], "Profile");
    assert_eq!(crd["status"]["acceptedNames"]["listKind"], "ProfileList");
    assert_eq!(crd["status"]["storedVersions"], serde_json::json!(["v1"]));
}

/// `kubectl create -f` of a `kind: List` (what `get -o yaml` of several objects and this
/// tool's `-o json` print) validates without `--validate=false`: kubectl fetches the v2
/// OpenAPI document as protobuf for it, which the sandbox serves like kube-apiserver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_creates_a_list_document_with_validation_on() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": "from-list", "namespace": "default"}, "data": {"a": "b"}},
        {"apiVersion": "kubeflow.org/v1", "kind": "Profile", "metadata": {"name": "from-list"},
         "spec": {"owner": {"kind": "User", "name": "list@example.com"}}}
    ]});
    let file = k.file("list.json", &list.to_string());
    let out = k.ok(&["create", "-f", &file]).await;
    assert!(out.contains("configmap/from-list created"), "{out}");
    assert!(
        out.contains("profile.kubeflow.org/from-list created"),
        "{out}"
    );
}

/// An object with nothing but empty objects in it (`status: {loadBalancer: {}}`).
fn hollow(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.values().all(hollow))
}

/// Drops what client-go prints for a typed object's zero values (`creationTimestamp: null`,
/// `status: {}`), which a JSON GET leaves out.
fn without_go_zeros(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, x| {
                !(k == "creationTimestamp" && x.is_null() || k == "status" && hollow(x))
            });
            m.values_mut().for_each(without_go_zeros);
        }
        Value::Array(a) => a.iter_mut().for_each(without_go_zeros),
        _ => {}
    }
}

/// Whether kubectl's `-v=8` log shows a response (not a request) in protobuf.
fn answered_in_protobuf(log: &str) -> bool {
    let mut in_response = false;
    log.lines().any(|l| {
        if l.contains("Response Headers:") {
            in_response = true;
        } else if l.contains("Request Headers:") {
            in_response = false;
        }
        in_response && l.contains("Content-Type: application/vnd.kubernetes.protobuf")
    })
}

/// Whether every field of `sub` is in `sup` with the same value (lists item by item).
fn contains(sup: &Value, sub: &Value) -> bool {
    match (sup, sub) {
        (Value::Object(a), Value::Object(b)) => b
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|x| contains(x, v))),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| contains(x, y))
        }
        _ => sup == sub,
    }
}

/// kubectl's typed clients (`create`, `run`, `describe`, `auth`) ask for
/// `application/vnd.kubernetes.protobuf,application/json`; kube-apiserver answers protobuf
/// for built-in kinds (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/negotiation). The
/// object client-go decodes from the sandbox's protobuf must be the object a JSON GET returns,
/// field for field, and errors arrive as protobuf Status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_typed_clients_get_protobuf_answers() {
    let Some((_sb, k)) = setup().await else {
        return;
    };
    k.ok(&["create", "ns", "pb"]).await;
    let cases: &[(&[&str], &[&str])] = &[
        (
            &[
                "-n",
                "pb",
                "create",
                "configmap",
                "cm",
                "--from-literal=a=b",
            ],
            &["-n", "pb", "configmap", "cm"],
        ),
        (
            &[
                "-n",
                "pb",
                "create",
                "secret",
                "generic",
                "s",
                "--from-literal=a=b",
            ],
            &["-n", "pb", "secret", "s"],
        ),
        (
            &["-n", "pb", "create", "sa", "robot"],
            &["-n", "pb", "sa", "robot"],
        ),
        (
            &[
                "-n",
                "pb",
                "create",
                "role",
                "r",
                "--verb=get",
                "--resource=pods",
            ],
            &["-n", "pb", "role", "r"],
        ),
        (
            &[
                "-n",
                "pb",
                "create",
                "rolebinding",
                "rb",
                "--role=r",
                "--user=a@example.com",
            ],
            &["-n", "pb", "rolebinding", "rb"],
        ),
        (
            &[
                "create",
                "clusterrolebinding",
                "pb-crb",
                "--clusterrole=view",
                "--group=g",
            ],
            &["clusterrolebinding", "pb-crb"],
        ),
        (
            &[
                "-n",
                "pb",
                "create",
                "deployment",
                "d",
                "--image=nginx:1.25",
                "--replicas=2",
                "--port=80",
            ],
            &["-n", "pb", "deployment", "d"],
        ),
        (
            &[
                "-n",
                "pb",
                "run",
                "p",
                "--image=nginx",
                "--env=A=1",
                "--port=80",
            ],
            &["-n", "pb", "pod", "p"],
        ),
        (
            &[
                "-n",
                "pb",
                "create",
                "service",
                "clusterip",
                "svc",
                "--tcp=80:8080",
            ],
            &["-n", "pb", "service", "svc"],
        ),
    ];
    for (create, get) in cases {
        // What kubectl builds and sends (in protobuf) must come back in the answer: checks
        // the field numbers against client-go's, independently of the sandbox's tables.
        let mut dry = create.to_vec();
        dry.extend(["--dry-run=client", "-o", "json"]);
        let mut sent = k.json(&dry).await;
        let mut args = create.to_vec();
        args.extend(["-o", "json", "--show-managed-fields", "-v=8"]);
        let out = k.run(&args, None).await;
        assert!(out.ok, "{create:?}: {}", out.stderr);
        // `kubectl run` builds its pod with the dynamic (JSON) client.
        assert!(
            create[2] == "run" || answered_in_protobuf(&out.stderr),
            "{create:?} was not answered in protobuf:\n{}",
            out.stderr
        );
        let mut created: Value = serde_json::from_str(&out.stdout).unwrap();
        let mut get_args = vec!["get", "-o", "json", "--show-managed-fields"];
        get_args.extend(*get);
        let mut stored = k.json(&get_args).await;
        without_go_zeros(&mut created);
        without_go_zeros(&mut stored);
        without_go_zeros(&mut sent);
        assert!(
            contains(&created, &sent),
            "{create:?}: sent {sent}\ngot {created}"
        );
        if created["metadata"]["resourceVersion"] != stored["metadata"]["resourceVersion"] {
            // A controller wrote status since (the deployment controller after a rollout).
            for v in [&mut created, &mut stored] {
                if let Some(m) = v.as_object_mut() {
                    m.remove("status");
                }
                if let Some(m) = v["metadata"].as_object_mut() {
                    m.remove("resourceVersion");
                    m.remove("managedFields");
                }
            }
        }
        assert_eq!(created, stored, "{create:?}");
    }
    let again = k.run(&["create", "ns", "pb"], None).await;
    assert!(!again.ok);
    assert!(
        again.stderr.contains("namespaces \"pb\" already exists"),
        "{}",
        again.stderr
    );
    let who = k.json(&["auth", "whoami", "-o", "json"]).await;
    assert_eq!(who["status"]["userInfo"]["username"], "sandbox-admin");
    assert_eq!(
        k.ok(&["auth", "can-i", "create", "pods", "-n", "pb"])
            .await
            .trim(),
        "yes"
    );
    k.ok(&["-n", "pb", "create", "quota", "q", "--hard=pods=5"])
        .await;
    let describe = k.ok(&["describe", "ns", "pb"]).await;
    assert!(describe.contains("Resource Quotas"), "{describe}");
    assert!(describe.contains("pods      "), "{describe}");
    let describe = k.ok(&["-n", "pb", "describe", "pod", "p"]).await;
    assert!(describe.contains("Port:       80/TCP"), "{describe}");
    assert!(describe.contains("kube-api-access-"), "{describe}");

    // Events and claims are read back through typed lists and gets, in protobuf.
    let event = r#"{"apiVersion":"v1","kind":"Event","metadata":{"name":"e1","namespace":"pb"},
        "involvedObject":{"apiVersion":"v1","kind":"Pod","name":"p","namespace":"pb"},
        "reason":"Pulled","message":"image pulled","type":"Normal","count":2,
        "source":{"component":"kubelet"},"firstTimestamp":"2026-12-03T06:00:00Z",
        "lastTimestamp":"2026-12-03T06:05:00Z","eventTime":"2026-12-03T06:05:00.123456Z",
        "reportingComponent":"kubelet","reportingInstance":"node-1"}"#;
    k.ok_stdin(&["create", "-f", "-"], event).await;
    let out = k.run(&["-n", "pb", "events", "-v=8"], None).await;
    assert!(
        out.ok && answered_in_protobuf(&out.stderr),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("Pulled") && out.stdout.contains("image pulled"),
        "{}",
        out.stdout
    );
    let pvc = r#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data","namespace":"pb"},
        "spec":{"accessModes":["ReadWriteOnce"],"resources":{"requests":{"storage":"1Gi"}},"storageClassName":"standard"}}"#;
    k.ok_stdin(&["create", "-f", "-"], pvc).await;
    let out = k
        .run(&["-n", "pb", "describe", "pvc", "data", "-v=8"], None)
        .await;
    assert!(
        out.ok && answered_in_protobuf(&out.stderr),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.contains("StorageClass:  standard"),
        "{}",
        out.stdout
    );
}
