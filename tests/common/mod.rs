//! End-to-end test support: a cluster to run against.
//!
//! By default every test starts its own in-process sandbox API server (ephemeral port,
//! generated CA, tokens for an admin and a non-admin user). When
//! `KUBECTL_KUBEFLOW_E2E_KUBECONFIG` is set, the same tests run against that cluster instead:
//! its current context is the admin, a context named `e2e-user` (if present) is the non-admin,
//! the Profile/AuthorizationPolicy CRDs and kubeflow ClusterRoles are installed if missing,
//! every object name carries a unique run id, and `cleanup` removes what the run created.
//! Tests never rely on a profile controller or on ClusterRole aggregation being present on
//! an external cluster: use [`TestCluster::seed_profile_namespace`] to make what they need.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod tmux;

use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, DeleteParams, ListParams, PostParams};
use kubectl_kubeflow::sandbox::{Sandbox, SandboxOptions, Seed};

/// Env var naming an external cluster's kubeconfig.
pub const E2E_KUBECONFIG_ENV: &str = "KUBECTL_KUBEFLOW_E2E_KUBECONFIG";
/// The non-admin context name, in the sandbox and on external clusters.
pub const E2E_USER_CONTEXT: &str = "e2e-user";

/// A cluster for one test.
pub struct TestCluster {
    /// Kubeconfig file with the admin context current.
    pub kubeconfig: PathBuf,
    /// Admin context name.
    pub admin_context: String,
    /// Non-admin context name, when there is one.
    pub user_context: Option<String>,
    /// Prefix for everything created on an external cluster ("" on the sandbox).
    pub run_id: String,
    /// Admin client.
    pub admin: kube::Client,
    /// The sandbox, when not external.
    pub sandbox: Option<Sandbox>,
    /// `cleanup` ran (otherwise dropping the cluster cleans up: a test that failed).
    cleaned: bool,
    _dir: tempfile::TempDir,
}

impl Drop for TestCluster {
    /// A test that panicked never reached `cleanup`: remove what the run made anyway, from a
    /// thread of its own with a client of its own (the test's runtime is unwinding).
    fn drop(&mut self) {
        if !self.is_external() || self.cleaned {
            return;
        }
        let (path, id) = (self.kubeconfig.clone(), self.run_id.clone());
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                let Ok(kubeconfig) = kube::config::Kubeconfig::read_from(&path) else {
                    return;
                };
                let Ok(config) =
                    kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await
                else {
                    return;
                };
                if let Ok(client) = kube::Client::try_from(config) {
                    remove_run(&client, &id).await;
                }
            });
        })
        .join();
    }
}

impl TestCluster {
    /// The sandbox with the empty seed, or the external cluster.
    pub async fn start() -> TestCluster {
        match std::env::var_os(E2E_KUBECONFIG_ENV) {
            Some(path) => Self::external(PathBuf::from(path)).await,
            None => Self::sandbox(SandboxOptions::default()).await,
        }
    }

    /// Always a sandbox (for tests about seeds or sandbox-only behaviour).
    pub async fn sandbox(options: SandboxOptions) -> TestCluster {
        let sandbox = Sandbox::start(options).await.expect("sandbox starts");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sandbox.write_kubeconfig(&kubeconfig).unwrap();
        let admin = sandbox
            .client_for(&sandbox.admin().name.clone())
            .await
            .unwrap();
        TestCluster {
            kubeconfig,
            admin_context: "sandbox".into(),
            user_context: Some(E2E_USER_CONTEXT.into()),
            run_id: String::new(),
            admin,
            sandbox: Some(sandbox),
            cleaned: false,
            _dir: dir,
        }
    }

    /// A sandbox with the empty seed, whatever the environment says.
    pub async fn start_sandbox() -> TestCluster {
        Self::sandbox(SandboxOptions::default()).await
    }

    /// A sandbox with the demo seed.
    pub async fn demo() -> TestCluster {
        Self::sandbox(SandboxOptions {
            seed: Seed::Demo,
            ..SandboxOptions::default()
        })
        .await
    }

    async fn external(path: PathBuf) -> TestCluster {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig_data =
            kube::config::Kubeconfig::read_from(&path).expect("readable kubeconfig");
        let admin_context = kubeconfig_data
            .current_context
            .clone()
            .expect("current-context set");
        let user_context = kubeconfig_data
            .contexts
            .iter()
            .any(|c| c.name == E2E_USER_CONTEXT)
            .then(|| E2E_USER_CONTEXT.to_string());
        let config = kube::Config::from_custom_kubeconfig(kubeconfig_data, &Default::default())
            .await
            .unwrap();
        let admin = kube::Client::try_from(config).unwrap();
        let run_id = format!("e2e{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
        install_prerequisites(&admin).await;
        TestCluster {
            kubeconfig: path,
            admin_context,
            user_context,
            run_id,
            admin,
            sandbox: None,
            cleaned: false,
            _dir: dir,
        }
    }

    /// This test's XDG state directory (its journal of applied changes).
    pub fn state_dir(&self) -> PathBuf {
        self._dir.path().join("state")
    }

    /// True when running against `KUBECTL_KUBEFLOW_E2E_KUBECONFIG`.
    pub fn is_external(&self) -> bool {
        self.sandbox.is_none()
    }

    /// A unique object name for this run (unchanged on the sandbox).
    pub fn name(&self, base: &str) -> String {
        if self.run_id.is_empty() {
            base.to_string()
        } else {
            format!("{}-{base}", self.run_id)
        }
    }

    /// A unique email for this run.
    pub fn email(&self, local: &str) -> String {
        if self.run_id.is_empty() {
            format!("{local}@example.com")
        } else {
            format!("{local}.{}@example.com", self.run_id)
        }
    }

    /// A client for the non-admin user, or `None` (with a printed reason) when there is none.
    pub async fn user_client(&self) -> Option<kube::Client> {
        let Some(context) = &self.user_context else {
            eprintln!(
                "skipping non-admin checks: the kubeconfig has no context named {E2E_USER_CONTEXT:?}"
            );
            return None;
        };
        let kubeconfig = kube::config::Kubeconfig::read_from(&self.kubeconfig).unwrap();
        let options = kube::config::KubeConfigOptions {
            context: Some(context.clone()),
            ..Default::default()
        };
        let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .unwrap();
        Some(kube::Client::try_from(config).unwrap())
    }

    /// The library's cluster handle as the admin (what the CLI and TUI use).
    pub async fn connect(&self) -> kubectl_kubeflow::cluster::Cluster {
        let opts = kubectl_kubeflow::cluster::ConnectOptions {
            kubeconfig: Some(self.kubeconfig.clone()),
            context: Some(self.admin_context.clone()),
            journal_dir: Some(self.state_dir().join("kubectl-kubeflow").join("journal")),
            ..Default::default()
        };
        kubectl_kubeflow::cluster::Cluster::connect(&opts)
            .await
            .unwrap()
    }

    /// The plugin binary with this cluster's kubeconfig and admin context.
    pub fn plugin(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("kubectl-kubeflow").unwrap();
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("XDG_STATE_HOME", self.state_dir())
            .env_remove(E2E_KUBECONFIG_ENV);
        cmd.arg("--context").arg(&self.admin_context);
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// `grant USER --role ROLE --profile PROFILE` through the plugin, which must succeed.
    pub fn grant(&self, user: &str, role: &str, profile: &str) {
        self.plugin()
            .args(["grant", user, "--role", role, "--profile", profile])
            .assert()
            .success();
    }

    /// `bash -c SCRIPT` with `$K` set to the plugin binary (this cluster's kubeconfig and
    /// admin context in `$KUBECONFIG` and `$CTX`), for pipelines as a user types them.
    pub fn shell(&self, script: &str) -> assert_cmd::Command {
        let bin = assert_cmd::cargo::cargo_bin("kubectl-kubeflow");
        let mut cmd = assert_cmd::Command::new("bash");
        cmd.arg("-c")
            .arg(script)
            .env("K", bin)
            .env("KUBECONFIG", &self.kubeconfig)
            .env("CTX", &self.admin_context)
            .env("XDG_STATE_HOME", self.state_dir())
            .env_remove(E2E_KUBECONFIG_ENV);
        cmd.timeout(Duration::from_secs(120));
        cmd
    }

    /// The plugin binary as the non-admin user.
    pub fn plugin_as_user(&self) -> Option<assert_cmd::Command> {
        let context = self.user_context.as_ref()?;
        let mut cmd = assert_cmd::Command::cargo_bin("kubectl-kubeflow").unwrap();
        cmd.env("KUBECONFIG", &self.kubeconfig)
            .env("XDG_STATE_HOME", self.state_dir())
            .arg("--context")
            .arg(context);
        cmd.timeout(Duration::from_secs(120));
        Some(cmd)
    }

    /// A new profile `name(base)` owned by `email("<base>-owner")`, made with `onboard` (plus
    /// `extra` flags) and with its namespace in place; returns (profile, owner).
    pub async fn onboarded(&self, base: &str, extra: &[&str]) -> (String, String) {
        let name = self.name(base);
        let owner = self.email(&format!("{base}-owner"));
        self.plugin()
            .args(["onboard", &owner, "--profile", &name])
            .args(extra)
            .assert()
            .success();
        self.seed_profile_namespace(&name, &owner).await;
        (name, owner)
    }

    /// Creates a namespace as the profile controller would (for external clusters without one).
    pub async fn seed_profile_namespace(&self, name: &str, owner: &str) {
        let api: Api<Namespace> = Api::all(self.admin.clone());
        if api.get_opt(name).await.unwrap().is_some() {
            return;
        }
        let ns: Namespace = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "annotations": {"owner": owner},
                         "labels": {"app.kubernetes.io/part-of": "kubeflow-profile"}}
        }))
        .unwrap();
        api.create(&PostParams::default(), &ns).await.unwrap();
    }

    /// Removes what this run created on an external cluster (nothing to do on a sandbox).
    pub async fn cleanup(mut self) {
        if self.is_external() {
            remove_run(&self.admin, &self.run_id).await;
        }
        self.cleaned = true;
    }
}

/// Deletes everything run `id` made: each object carries the run id in its name
/// (ClusterRoleBindings in the middle: `kubeflow-<role>-user-<email with run id>`).
async fn remove_run(client: &kube::Client, id: &str) {
    let run_prefix = |n: &str| n.starts_with(id);
    delete_named::<kubectl_kubeflow::model::Profile>(client, run_prefix).await;
    delete_named::<k8s_openapi::api::rbac::v1::ClusterRole>(client, run_prefix).await;
    delete_named::<k8s_openapi::api::rbac::v1::ClusterRoleBinding>(client, |n| n.contains(id))
        .await;
    delete_named::<Namespace>(client, run_prefix).await;
}

/// Installs the Profile and AuthorizationPolicy CRDs and the kubeflow ClusterRoles on an
/// external cluster that lacks them, with server-side apply (idempotent; needs
/// cluster-admin): the same embedded objects the sandbox serves.
pub async fn install_prerequisites(client: &kube::Client) {
    use kube::api::{DynamicObject, Patch, PatchParams};
    use kube::core::{ApiResource, GroupVersionKind};
    let crd = GroupVersionKind::gvk("apiextensions.k8s.io", "v1", "CustomResourceDefinition");
    let role = GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", "ClusterRole");
    let mut objects = vec![
        (
            crd.clone(),
            "customresourcedefinitions",
            kubectl_kubeflow::sandbox::profile_crd().unwrap(),
        ),
        (
            crd,
            "customresourcedefinitions",
            kubectl_kubeflow::sandbox::authorization_policy_crd(),
        ),
    ];
    for r in kubectl_kubeflow::sandbox::kubeflow_cluster_roles().unwrap() {
        objects.push((role.clone(), "clusterroles", r));
    }
    for (gvk, plural, obj) in objects {
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let ar = ApiResource::from_gvk_with_plural(&gvk, plural);
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &ar);
        let params = PatchParams::apply("kubectl-kubeflow-e2e").force();
        api.patch(&name, &params, &Patch::Apply(obj))
            .await
            .unwrap_or_else(|e| panic!("installing {}/{name}: {e}", gvk.kind));
    }
}

/// Deletes every cluster-scoped `K` whose name matches, ignoring failures (best effort).
async fn delete_named<K>(client: &kube::Client, matches: impl Fn(&str) -> bool)
where
    K: kube::Resource<Scope = k8s_openapi::ClusterResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
    K::DynamicType: Default,
{
    let api: Api<K> = Api::all(client.clone());
    let Ok(list) = api.list(&ListParams::default()).await else {
        return;
    };
    for obj in list.items {
        let name = obj.meta().name.clone().unwrap_or_default();
        if matches(&name) {
            let _ = api.delete(&name, &DeleteParams::default()).await;
        }
    }
}

/// True when `kubectl` is on PATH; otherwise prints why the calling test skips.
pub fn kubectl_available(test: &str) -> bool {
    let ok = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("skipping {test}: kubectl is not installed");
    }
    ok
}
