//! `GroupResource`: the name of a kind of object (API group + plural resource), shared by
//! the store and the Status bodies of its errors (so neither imports the other for it).

/// API group + plural resource ("" is the core group).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    /// API group, "" for the core group.
    pub group: String,
    /// Plural lower-case resource name ("profiles").
    pub resource: String,
}

impl GroupResource {
    /// A group/resource pair.
    pub fn new(group: &str, resource: &str) -> Self {
        Self {
            group: group.to_string(),
            resource: resource.to_string(),
        }
    }

    /// A core-group (`""`) resource.
    pub fn core(resource: &str) -> Self {
        Self::new("", resource)
    }
}

impl std::fmt::Display for GroupResource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}
