//! What the model keeps of each object: the fields it reads and the bookkeeping writes need
//! (name, namespace, uid, resourceVersion), nothing else. Applied as objects arrive (each list
//! page, each watch event), so at 5,000 profiles the 65,000 objects of a snapshot hold no
//! managedFields, ownerReferences, status or labels nobody reads. Views that show a whole
//! object (the TUI's YAML) read it from the server.

use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::compact::{Kept, Wire};

/// Drops what the model does not read.
pub trait Slim: Sized {
    /// What is kept: the object itself, stripped, or a compact form of it.
    type Kept;
    /// The object as kept.
    fn slim(self) -> Self::Kept;
}

/// The kinds kept compact (see `tenancy::compact`): decoded slim already.
impl<T: Kept> Slim for Wire<T> {
    type Kept = T;
    fn slim(self) -> T {
        self.into_kept()
    }
}

/// Identity and version only (labels kept where `labels`).
fn meta(m: &mut ObjectMeta, labels: bool) {
    m.managed_fields = None;
    m.owner_references = None;
    m.generation = None;
    m.creation_timestamp = None;
    m.finalizers = None;
    m.annotations = None;
    if !labels {
        m.labels = None;
    }
}

/// ClusterRoleBindings (few): kept typed, without metadata nobody reads.
impl Slim for ClusterRoleBinding {
    type Kept = ClusterRoleBinding;
    fn slim(mut self) -> ClusterRoleBinding {
        meta(&mut self.metadata, false);
        self
    }
}

/// ClusterRoles (few): kept typed with their labels, which aggregation selectors match.
impl Slim for ClusterRole {
    type Kept = ClusterRole;
    fn slim(mut self) -> ClusterRole {
        meta(&mut self.metadata, true);
        self
    }
}
