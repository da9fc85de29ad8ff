//! Controllers. Minimal initial version: nothing to reconcile yet.

use super::store::Store;

/// Controller configuration.
#[derive(Clone, Debug)]
pub struct ControllerConfig {
    /// Profile controller emulation on/off.
    pub kubeflow: bool,
    /// Header carrying the user id.
    pub userid_header: String,
    /// Prefix of the user id.
    pub userid_prefix: String,
}

impl Default for ControllerConfig {
    fn default() -> Self {
        Self {
            kubeflow: true,
            userid_header: "kubeflow-userid".into(),
            userid_prefix: String::new(),
        }
    }
}

/// Drive every controller to a fixed point (none yet).
pub fn reconcile(_store: &mut Store, _cfg: &ControllerConfig) {}
