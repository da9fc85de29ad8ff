//! The central dashboard's self-registration switch: env `REGISTRATION_FLOW` on the
//! `centraldashboard` Deployment. The dashboard (`server.ts`) defaults it to `"true"` when the
//! variable is unset, and only the value `true` (any case) enables the flow.

use k8s_openapi::api::apps::v1::Deployment;
use kube::api::Api;
use serde::Serialize;
use serde_json::{Value, json};

use super::{Cluster, ClusterError};
use crate::manifest::{OutputError, to_value};
use crate::plan::{Change, Plan};

/// The env variable.
pub const REGISTRATION_ENV: &str = "REGISTRATION_FLOW";
/// Where upstream kubeflow/manifests installs the dashboard.
pub const DEFAULT_NAMESPACE: &str = "kubeflow";
/// The upstream Deployment name.
pub const DEFAULT_DEPLOYMENT: &str = "centraldashboard";

/// What the dashboard is configured to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RegistrationStatus {
    /// Deployment namespace.
    pub namespace: String,
    /// Deployment name.
    pub deployment: String,
    /// The container holding (or that would hold) the variable.
    pub container: String,
    /// The literal value, when set with `value`.
    pub value: Option<String>,
    /// Set from a ConfigMap or Secret (`valueFrom`): the value is not known here.
    pub value_from: bool,
    /// Whether new users without a profile see the registration page.
    pub enabled: Option<bool>,
}

impl RegistrationStatus {
    /// A sentence for humans.
    pub fn explain(&self) -> String {
        let what = match (&self.value, self.value_from, self.enabled) {
            (_, true, _) => format!(
                "{REGISTRATION_ENV} comes from a ConfigMap or Secret (valueFrom); its value is not visible in the Deployment"
            ),
            (None, _, _) => format!(
                "{REGISTRATION_ENV} is not set, so the dashboard's code default \"true\" applies"
            ),
            (Some(v), _, Some(true)) => format!("{REGISTRATION_ENV}={v:?}"),
            (Some(v), _, _) => {
                format!("{REGISTRATION_ENV}={v:?} (only \"true\", in any case, enables the flow)")
            }
        };
        let meaning = match self.enabled {
            Some(true) => {
                "Self-registration is ENABLED: a signed-in user who owns no profile is offered a page to create one, named after their email, with no quota (contributors of other profiles count as having none)."
            }
            Some(false) => {
                "Self-registration is DISABLED: users without a profile see an empty dashboard until an admin onboards them (`kubectl kubeflow onboard USER`)."
            }
            None => "Whether self-registration is enabled depends on that value.",
        };
        format!(
            "deployment {}/{} container {}: {what}.\n{meaning}",
            self.namespace, self.deployment, self.container
        )
    }
}

/// Why the registration setting could not be read or changed.
#[derive(Debug, thiserror::Error)]
pub enum RegistrationError {
    /// No such Deployment.
    #[error(
        "deployment {namespace}/{name} not found on context {context:?}: is the Kubeflow central dashboard installed there? Pass --namespace/--deployment if it runs under another name"
    )]
    NotFound {
        /// Namespace.
        namespace: String,
        /// Deployment name.
        name: String,
        /// Context.
        context: String,
    },
    /// The Deployment has no containers (cannot happen for a valid Deployment).
    #[error("deployment {0} has no containers")]
    NoContainer(String),
    /// The value comes from a ConfigMap or Secret.
    #[error(
        "{REGISTRATION_ENV} of deployment {0} is set with valueFrom (a ConfigMap or Secret); change it there, this command does not overwrite a reference with a literal"
    )]
    ValueFrom(String),
    /// Conversion failure.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An API error.
    #[error(transparent)]
    Cluster(#[from] ClusterError),
}

async fn read(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<(Value, usize, RegistrationStatus), RegistrationError> {
    let api: Api<Deployment> = Api::namespaced(cluster.client().clone(), namespace);
    let d = api
        .get_opt(name)
        .await
        .map_err(|e| cluster.explain(e, "deployments.apps"))?
        .ok_or_else(|| RegistrationError::NotFound {
            namespace: namespace.into(),
            name: name.into(),
            context: cluster.context().into(),
        })?;
    // k8s-openapi writes apiVersion and kind, which the plan needs to send it back.
    let raw = to_value(&d)?;
    let containers = raw
        .pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let has_env = |c: &Value| {
        c["env"]
            .as_array()
            .is_some_and(|e| e.iter().any(|v| v["name"] == REGISTRATION_ENV))
    };
    let index = containers
        .iter()
        .position(has_env)
        .or_else(|| containers.iter().position(|c| c["name"] == name))
        .or_else(|| (!containers.is_empty()).then_some(0))
        .ok_or_else(|| RegistrationError::NoContainer(format!("{namespace}/{name}")))?;
    let c = &containers[index];
    let env = c["env"]
        .as_array()
        .and_then(|e| e.iter().find(|v| v["name"] == REGISTRATION_ENV));
    let value_from = env.is_some_and(|v| v.get("valueFrom").is_some());
    let value = env
        .filter(|_| !value_from)
        .map(|v| v["value"].as_str().unwrap_or_default().to_string());
    let enabled = if value_from {
        None
    } else {
        Some(
            value
                .as_deref()
                .unwrap_or("true")
                .eq_ignore_ascii_case("true"),
        )
    };
    let status = RegistrationStatus {
        namespace: namespace.into(),
        deployment: name.into(),
        container: c["name"].as_str().unwrap_or_default().to_string(),
        value,
        value_from,
        enabled,
    };
    Ok((raw, index, status))
}

/// Reads the setting.
pub async fn registration_status(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
) -> Result<RegistrationStatus, RegistrationError> {
    Ok(read(cluster, namespace, name).await?.2)
}

/// Plans setting `REGISTRATION_FLOW` to `true` or `false` (an update of the Deployment guarded
/// by its resourceVersion; unchanged when already so). The dashboard pods restart.
pub async fn plan_registration(
    cluster: &Cluster,
    namespace: &str,
    name: &str,
    enable: bool,
) -> Result<(Plan, RegistrationStatus), RegistrationError> {
    let (raw, index, status) = read(cluster, namespace, name).await?;
    if status.value_from {
        return Err(RegistrationError::ValueFrom(format!("{namespace}/{name}")));
    }
    let want = if enable { "true" } else { "false" };
    let mut desired = raw.clone();
    if let Some(c) = desired
        .pointer_mut(&format!("/spec/template/spec/containers/{index}"))
        .and_then(Value::as_object_mut)
    {
        let env = c.entry("env").or_insert_with(|| json!([]));
        if let Some(env) = env.as_array_mut() {
            match env.iter_mut().find(|v| v["name"] == REGISTRATION_ENV) {
                Some(v) => v["value"] = json!(want),
                None => env.push(json!({"name": REGISTRATION_ENV, "value": want})),
            }
        }
    }
    let mut plan = Plan::new();
    let change = Change::update(raw, desired);
    if change.action != crate::plan::Action::Unchanged {
        plan.warn(format!(
            "changing the pod template of deployment {namespace}/{name} restarts the central dashboard pods"
        ));
    }
    plan.push(change);
    Ok((plan, status))
}
