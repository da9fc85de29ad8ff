//! The objects as the model keeps them. At 5,000 profiles a snapshot holds 65,000 objects;
//! kept as full typed objects they take over 140 MiB, as these types about a third of that.
//!
//! Each is decoded through a [`Wire`] (kube lists and watches types with an `ObjectMeta`):
//! only the fields the model reads are parsed into memory, managedFields, specs and statuses
//! nobody reads are skipped while parsing. What is kept has no `ObjectMeta`, only an [`Id`]
//! and the fields read. Each serializes as the object it stands for, reduced to those fields
//! (enough to find it again: views that show a whole object read it from the server).

mod core;
mod rbac;

use std::fmt::Debug;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use core::{Amounts, LimitRangeInfo, NamespaceInfo, OwnerRef, ProfileInfo, QuotaInfo};
pub use rbac::{Binding, BoundRole, Member, MemberKind, Policy, RoleKind};

/// Name, namespace, uid and resourceVersion of a kept object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Id {
    /// `metadata.name`.
    pub name: Box<str>,
    /// `metadata.namespace` (empty for cluster-scoped kinds).
    pub namespace: Box<str>,
    /// `metadata.uid`.
    pub uid: Option<Box<str>>,
    /// `metadata.resourceVersion`.
    pub resource_version: Option<Box<str>>,
}

impl Id {
    /// The identity of a full object's metadata.
    pub fn of(meta: &ObjectMeta) -> Id {
        Id {
            name: meta.name.as_deref().unwrap_or_default().into(),
            namespace: meta.namespace.as_deref().unwrap_or_default().into(),
            uid: meta.uid.as_deref().map(Into::into),
            resource_version: meta.resource_version.as_deref().map(Into::into),
        }
    }

    fn meta(&self) -> ObjectMeta {
        ObjectMeta {
            name: Some(self.name.to_string()),
            namespace: (!self.namespace.is_empty()).then(|| self.namespace.to_string()),
            uid: self.uid.as_deref().map(str::to_string),
            resource_version: self.resource_version.as_deref().map(str::to_string),
            ..ObjectMeta::default()
        }
    }
}

/// The KFAM annotations of a contributor object (`role`, and `user` or `group`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct Kfam {
    /// `admin`, `edit` or `view`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Box<str>>,
    /// The user's email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Box<str>>,
    /// The group's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<Box<str>>,
}

impl Kfam {
    fn is_empty(&self) -> bool {
        self.role.is_none() && self.user.is_none() && self.group.is_none()
    }

    /// The KFAM annotations of a full object's metadata.
    pub fn of(meta: &ObjectMeta) -> Kfam {
        let get = |k: &str| {
            meta.annotations
                .as_ref()
                .and_then(|a| a.get(k))
                .map(|v| v.as_str().into())
        };
        Kfam {
            role: get("role"),
            user: get("user"),
            group: get("group"),
        }
    }
}

/// `metadata` as decoded: identity and version, and of the annotations, labels and owners
/// what `A`, `L` read (`IgnoredAny` skips them).
#[derive(Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound = "A: Deserialize<'de> + Default, L: Deserialize<'de> + Default"
)]
struct MetaIn<A, L> {
    name: Option<String>,
    namespace: Option<String>,
    uid: Option<String>,
    resource_version: Option<String>,
    #[serde(default)]
    creation_timestamp: Option<Time>,
    #[serde(default)]
    annotations: Option<A>,
    #[serde(default)]
    labels: Option<L>,
    #[serde(default)]
    owner_references: Option<Vec<OwnerRef>>,
}

impl<A: Default, L: Default> MetaIn<A, L> {
    fn id(&self) -> Id {
        Id {
            name: self.name.as_deref().unwrap_or_default().into(),
            namespace: self.namespace.as_deref().unwrap_or_default().into(),
            uid: self.uid.as_deref().map(Into::into),
            resource_version: self.resource_version.as_deref().map(Into::into),
        }
    }

    fn annotations(&mut self) -> A {
        self.annotations.take().unwrap_or_default()
    }

    fn labels(&mut self) -> L {
        self.labels.take().unwrap_or_default()
    }
}

/// `metadata` as serialized: identity and version, with what a kind keeps of annotations,
/// labels and owners.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaOut<'a, A: Serialize, L: Serialize> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uid: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    annotations: Option<A>,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<L>,
    #[serde(skip_serializing_if = "<[OwnerRef]>::is_empty")]
    owner_references: &'a [OwnerRef],
}

/// The `metadata` of a kept object with what it keeps of annotations, labels and owners.
fn meta_out<'a, A: Serialize, L: Serialize>(
    id: &'a Id,
    annotations: Option<A>,
    labels: Option<L>,
    owner_references: &'a [OwnerRef],
) -> MetaOut<'a, A, L> {
    MetaOut {
        name: &id.name,
        namespace: &id.namespace,
        uid: id.uid.as_deref(),
        resource_version: id.resource_version.as_deref(),
        annotations,
        labels,
        owner_references,
    }
}

/// A kept kind: what it is read as, what is decoded, and how it is kept.
pub trait Kept: Sized + Clone + Debug + Send + Sync + 'static {
    /// The full kind (its URL, kind and apiVersion).
    type Typed: kube::Resource<DynamicType = ()>;
    /// What is decoded from the server's JSON.
    type In: DeserializeOwned;
    /// What is kept of it.
    fn keep(from: Self::In) -> Self;
    /// Its identity.
    fn id(&self) -> &Id;
}

/// A kept kind as kube lists and watches it: a minimal `ObjectMeta` beside what is kept.
#[derive(Clone, Debug)]
pub struct Wire<T> {
    metadata: ObjectMeta,
    kept: T,
}

impl<T: Kept> Wire<T> {
    /// What is kept.
    pub fn into_kept(self) -> T {
        self.kept
    }
}

impl<'de, T: Kept> Deserialize<'de> for Wire<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Wire<T>, D::Error> {
        let kept = T::keep(T::In::deserialize(d)?);
        Ok(Wire {
            metadata: kept.id().meta(),
            kept,
        })
    }
}

impl<T: Kept> kube::Resource for Wire<T> {
    type DynamicType = ();
    type Scope = <T::Typed as kube::Resource>::Scope;

    fn kind(dt: &()) -> std::borrow::Cow<'_, str> {
        T::Typed::kind(dt)
    }

    fn group(dt: &()) -> std::borrow::Cow<'_, str> {
        T::Typed::group(dt)
    }

    fn version(dt: &()) -> std::borrow::Cow<'_, str> {
        T::Typed::version(dt)
    }

    fn plural(dt: &()) -> std::borrow::Cow<'_, str> {
        T::Typed::plural(dt)
    }

    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn meta_mut(&mut self) -> &mut ObjectMeta {
        &mut self.metadata
    }
}

/// `Deserialize` of a kept kind: decoded as its wire form.
macro_rules! deserialize_via_wire {
    ($($t:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                <super::Wire<$t> as serde::Deserialize>::deserialize(d).map(super::Wire::into_kept)
            }
        }
    )*};
}
use deserialize_via_wire;

/// apiVersion and kind of `K`, for serializing a kept object.
fn type_of<K: kube::Resource<DynamicType = ()>>() -> (String, String) {
    (K::api_version(&()).into_owned(), K::kind(&()).into_owned())
}
