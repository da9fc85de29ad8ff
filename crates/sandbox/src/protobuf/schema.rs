//! Field numbers of the Kubernetes protobuf messages the sandbox reads and writes, as
//! `generated.proto` of k8s.io/api and k8s.io/apimachinery define them: (number, JSON name,
//! type, repeated). Only the fields of the kinds listed in [`for_kind`] (the objects the
//! sandbox stores for them; CustomResourceDefinitions are answered in JSON) are here; an encoder that meets a JSON field without a number
//! says so instead of dropping it.

/// Field type in a message schema.
#[derive(Clone, Copy)]
pub enum Ty {
    Str,
    /// a plain `bool` (`omitempty`): false is left out of JSON
    Bool,
    /// a `*bool`: false is a value
    BoolPtr,
    /// a plain int32/int64 (`omitempty`): 0 is left out of JSON
    Int,
    /// a `*int32`/`*int64`: 0 is a value (`replicas: 0`)
    IntPtr,
    /// base64 in JSON, bytes on the wire
    Bytes,
    Msg(&'static [F]),
    /// A struct whose JSON fields sit in the parent (`Volume.volumeSource`,
    /// `ConfigMapProjection.localObjectReference`).
    Inline(&'static [F]),
    /// `metav1.Time`: RFC 3339 in JSON, {seconds, nanos} on the wire
    Time,
    /// `metav1.MicroTime`: RFC 3339 with microseconds in JSON, {seconds, nanos} on the wire
    MicroTime,
    /// `resource.Quantity`: a string in JSON, {string} on the wire
    Qty,
    /// `intstr.IntOrString`: a number or string in JSON, {type, intVal, strVal} on the wire
    IntOrStr,
    /// `metav1.FieldsV1`: JSON in JSON, {Raw: bytes of that JSON} on the wire
    RawJson,
    /// map<string,string>
    MapStr,
    /// map<string,Quantity>
    MapQty,
    /// map<string,bytes>
    MapBytes,
    /// map<string,ExtraValue{repeated string items}>
    MapStrList,
}

/// (field number, JSON name, type, repeated)
pub type F = (u64, &'static str, Ty, bool);

use Ty::*;

pub const META: &[F] = &[
    (1, "name", Str, false),
    (2, "generateName", Str, false),
    (3, "namespace", Str, false),
    (4, "selfLink", Str, false),
    (5, "uid", Str, false),
    (6, "resourceVersion", Str, false),
    (7, "generation", Int, false),
    (8, "creationTimestamp", Time, false),
    (9, "deletionTimestamp", Time, false),
    (10, "deletionGracePeriodSeconds", IntPtr, false),
    (11, "labels", MapStr, false),
    (12, "annotations", MapStr, false),
    (13, "ownerReferences", Msg(OWNER), true),
    (14, "finalizers", Str, true),
    (17, "managedFields", Msg(MANAGED), true),
];
const OWNER: &[F] = &[
    (1, "kind", Str, false),
    (3, "name", Str, false),
    (4, "uid", Str, false),
    (5, "apiVersion", Str, false),
    (6, "controller", BoolPtr, false),
    (7, "blockOwnerDeletion", BoolPtr, false),
];
const MANAGED: &[F] = &[
    (1, "manager", Str, false),
    (2, "operation", Str, false),
    (3, "apiVersion", Str, false),
    (4, "time", Time, false),
    (6, "fieldsType", Str, false),
    (7, "fieldsV1", RawJson, false),
    (8, "subresource", Str, false),
];
pub const LIST_META: &[F] = &[
    (1, "selfLink", Str, false),
    (2, "resourceVersion", Str, false),
    (3, "continue", Str, false),
    (4, "remainingItemCount", IntPtr, false),
];
const CAUSE: &[F] = &[
    (1, "reason", Str, false),
    (2, "message", Str, false),
    (3, "field", Str, false),
];
const DETAILS: &[F] = &[
    (1, "name", Str, false),
    (2, "group", Str, false),
    (3, "kind", Str, false),
    (4, "causes", Msg(CAUSE), true),
    (5, "retryAfterSeconds", Int, false),
    (6, "uid", Str, false),
];
const STATUS: &[F] = &[
    (1, "metadata", Msg(LIST_META), false),
    (2, "status", Str, false),
    (3, "message", Str, false),
    (4, "reason", Str, false),
    (5, "details", Msg(DETAILS), false),
    (6, "code", Int, false),
];

const SUBJECT: &[F] = &[
    (1, "kind", Str, false),
    (2, "apiGroup", Str, false),
    (3, "name", Str, false),
    (4, "namespace", Str, false),
];
const ROLEREF: &[F] = &[
    (1, "apiGroup", Str, false),
    (2, "kind", Str, false),
    (3, "name", Str, false),
];
const BINDING: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "subjects", Msg(SUBJECT), true),
    (3, "roleRef", Msg(ROLEREF), false),
];
const RULE: &[F] = &[
    (1, "verbs", Str, true),
    (2, "apiGroups", Str, true),
    (3, "resources", Str, true),
    (4, "resourceNames", Str, true),
    (5, "nonResourceURLs", Str, true),
];
const REQUIREMENT: &[F] = &[
    (1, "key", Str, false),
    (2, "operator", Str, false),
    (3, "values", Str, true),
];
const LABEL_SELECTOR: &[F] = &[
    (1, "matchLabels", MapStr, false),
    (2, "matchExpressions", Msg(REQUIREMENT), true),
];
const AGGREGATION: &[F] = &[(1, "clusterRoleSelectors", Msg(LABEL_SELECTOR), true)];
const ROLE: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "rules", Msg(RULE), true),
    (3, "aggregationRule", Msg(AGGREGATION), false),
];

const CONFIGMAP: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "data", MapStr, false),
    (3, "binaryData", MapBytes, false),
    (4, "immutable", BoolPtr, false),
];
const SECRET: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "data", MapBytes, false),
    (3, "type", Str, false),
    (4, "stringData", MapStr, false),
    (5, "immutable", BoolPtr, false),
];
const NS_CONDITION: &[F] = &[
    (1, "type", Str, false),
    (2, "status", Str, false),
    (4, "lastTransitionTime", Time, false),
    (5, "reason", Str, false),
    (6, "message", Str, false),
];
const NAMESPACE: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(&[(1, "finalizers", Str, true)]), false),
    (
        3,
        "status",
        Msg(&[
            (1, "phase", Str, false),
            (2, "conditions", Msg(NS_CONDITION), true),
        ]),
        false,
    ),
];
const OBJECT_REF: &[F] = &[
    (1, "kind", Str, false),
    (2, "namespace", Str, false),
    (3, "name", Str, false),
    (4, "uid", Str, false),
    (5, "apiVersion", Str, false),
    (6, "resourceVersion", Str, false),
    (7, "fieldPath", Str, false),
];
const LOCAL_REF: &[F] = &[(1, "name", Str, false)];
const SERVICEACCOUNT: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "secrets", Msg(OBJECT_REF), true),
    (3, "imagePullSecrets", Msg(LOCAL_REF), true),
    (4, "automountServiceAccountToken", BoolPtr, false),
];
const SCOPE_REQUIREMENT: &[F] = &[
    (1, "scopeName", Str, false),
    (2, "operator", Str, false),
    (3, "values", Str, true),
];
const QUOTA_SPEC: &[F] = &[
    (1, "hard", MapQty, false),
    (2, "scopes", Str, true),
    (
        3,
        "scopeSelector",
        Msg(&[(1, "matchExpressions", Msg(SCOPE_REQUIREMENT), true)]),
        false,
    ),
];
const QUOTA: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(QUOTA_SPEC), false),
    (
        3,
        "status",
        Msg(&[(1, "hard", MapQty, false), (2, "used", MapQty, false)]),
        false,
    ),
];
const LIMIT_ITEM: &[F] = &[
    (1, "type", Str, false),
    (2, "max", MapQty, false),
    (3, "min", MapQty, false),
    (4, "default", MapQty, false),
    (5, "defaultRequest", MapQty, false),
    (6, "maxLimitRequestRatio", MapQty, false),
];
const LIMITRANGE: &[F] = &[
    (1, "metadata", Msg(META), false),
    (
        2,
        "spec",
        Msg(&[(1, "limits", Msg(LIMIT_ITEM), true)]),
        false,
    ),
];

const RESOURCE_ATTRS: &[F] = &[
    (1, "namespace", Str, false),
    (2, "verb", Str, false),
    (3, "group", Str, false),
    (4, "version", Str, false),
    (5, "resource", Str, false),
    (6, "subresource", Str, false),
    (7, "name", Str, false),
];
const NON_RESOURCE_ATTRS: &[F] = &[(1, "path", Str, false), (2, "verb", Str, false)];
const SSAR: &[F] = &[
    (1, "metadata", Msg(META), false),
    (
        2,
        "spec",
        Msg(&[
            (1, "resourceAttributes", Msg(RESOURCE_ATTRS), false),
            (2, "nonResourceAttributes", Msg(NON_RESOURCE_ATTRS), false),
        ]),
        false,
    ),
    (
        3,
        "status",
        Msg(&[
            (1, "allowed", Bool, false),
            (2, "reason", Str, false),
            (3, "evaluationError", Str, false),
            (4, "denied", Bool, false),
        ]),
        false,
    ),
];
const RESOURCE_RULE: &[F] = &[
    (1, "verbs", Str, true),
    (2, "apiGroups", Str, true),
    (3, "resources", Str, true),
    (4, "resourceNames", Str, true),
];
const NON_RESOURCE_RULE: &[F] = &[(1, "verbs", Str, true), (2, "nonResourceURLs", Str, true)];
const SSRR: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(&[(1, "namespace", Str, false)]), false),
    (
        3,
        "status",
        Msg(&[
            (1, "resourceRules", Msg(RESOURCE_RULE), true),
            (2, "nonResourceRules", Msg(NON_RESOURCE_RULE), true),
            (3, "incomplete", Bool, false),
            (4, "evaluationError", Str, false),
        ]),
        false,
    ),
];
const USER_INFO: &[F] = &[
    (1, "username", Str, false),
    (2, "uid", Str, false),
    (3, "groups", Str, true),
    (4, "extra", MapStrList, false),
];
const SSR: &[F] = &[
    (1, "metadata", Msg(META), false),
    (
        2,
        "status",
        Msg(&[(1, "userInfo", Msg(USER_INFO), false)]),
        false,
    ),
];

const RESOURCES: &[F] = &[(1, "limits", MapQty, false), (2, "requests", MapQty, false)];
const PORT: &[F] = &[
    (1, "name", Str, false),
    (2, "hostPort", Int, false),
    (3, "containerPort", Int, false),
    (4, "protocol", Str, false),
    (5, "hostIP", Str, false),
];
const ENV: &[F] = &[(1, "name", Str, false), (2, "value", Str, false)];
const MOUNT: &[F] = &[
    (1, "name", Str, false),
    (2, "readOnly", Bool, false),
    (3, "mountPath", Str, false),
    (4, "subPath", Str, false),
];
const SECURITY_CONTEXT: &[F] = &[
    (2, "privileged", BoolPtr, false),
    (4, "runAsUser", IntPtr, false),
    (5, "runAsNonRoot", BoolPtr, false),
    (6, "readOnlyRootFilesystem", BoolPtr, false),
    (7, "allowPrivilegeEscalation", BoolPtr, false),
    (8, "runAsGroup", IntPtr, false),
];
const CONTAINER: &[F] = &[
    (1, "name", Str, false),
    (2, "image", Str, false),
    (3, "command", Str, true),
    (4, "args", Str, true),
    (5, "workingDir", Str, false),
    (6, "ports", Msg(PORT), true),
    (7, "env", Msg(ENV), true),
    (8, "resources", Msg(RESOURCES), false),
    (9, "volumeMounts", Msg(MOUNT), true),
    (13, "terminationMessagePath", Str, false),
    (14, "imagePullPolicy", Str, false),
    (15, "securityContext", Msg(SECURITY_CONTEXT), false),
    (16, "stdin", Bool, false),
    (17, "stdinOnce", Bool, false),
    (18, "tty", Bool, false),
    (20, "terminationMessagePolicy", Str, false),
];
const KEY_TO_PATH: &[F] = &[
    (1, "key", Str, false),
    (2, "path", Str, false),
    (3, "mode", IntPtr, false),
];
const FIELD_SELECTOR: &[F] = &[(1, "apiVersion", Str, false), (2, "fieldPath", Str, false)];
const DOWNWARD_FILE: &[F] = &[
    (1, "path", Str, false),
    (2, "fieldRef", Msg(FIELD_SELECTOR), false),
    (4, "mode", IntPtr, false),
];
const CONFIGMAP_PROJECTION: &[F] = &[
    (1, "localObjectReference", Inline(LOCAL_REF), false),
    (2, "items", Msg(KEY_TO_PATH), true),
    (4, "optional", BoolPtr, false),
];
const PROJECTION: &[F] = &[
    (1, "secret", Msg(CONFIGMAP_PROJECTION), false),
    (
        2,
        "downwardAPI",
        Msg(&[(1, "items", Msg(DOWNWARD_FILE), true)]),
        false,
    ),
    (3, "configMap", Msg(CONFIGMAP_PROJECTION), false),
    (
        4,
        "serviceAccountToken",
        Msg(&[
            (1, "audience", Str, false),
            (2, "expirationSeconds", IntPtr, false),
            (3, "path", Str, false),
        ]),
        false,
    ),
];
const CONFIGMAP_VOLUME: &[F] = &[
    (1, "localObjectReference", Inline(LOCAL_REF), false),
    (2, "items", Msg(KEY_TO_PATH), true),
    (3, "defaultMode", IntPtr, false),
    (4, "optional", BoolPtr, false),
];
const VOLUME_SOURCE: &[F] = &[
    (
        2,
        "emptyDir",
        Msg(&[(1, "medium", Str, false), (2, "sizeLimit", Qty, false)]),
        false,
    ),
    (
        6,
        "secret",
        Msg(&[
            (1, "secretName", Str, false),
            (2, "items", Msg(KEY_TO_PATH), true),
            (3, "defaultMode", IntPtr, false),
            (4, "optional", BoolPtr, false),
        ]),
        false,
    ),
    (
        10,
        "persistentVolumeClaim",
        Msg(&[(1, "claimName", Str, false), (2, "readOnly", Bool, false)]),
        false,
    ),
    (19, "configMap", Msg(CONFIGMAP_VOLUME), false),
    (
        26,
        "projected",
        Msg(&[
            (1, "sources", Msg(PROJECTION), true),
            (2, "defaultMode", IntPtr, false),
        ]),
        false,
    ),
];
const VOLUME: &[F] = &[
    (1, "name", Str, false),
    (2, "volumeSource", Inline(VOLUME_SOURCE), false),
];
const TOLERATION: &[F] = &[
    (1, "key", Str, false),
    (2, "operator", Str, false),
    (3, "value", Str, false),
    (4, "effect", Str, false),
    (5, "tolerationSeconds", IntPtr, false),
];
const POD_SECURITY_CONTEXT: &[F] = &[
    (2, "runAsUser", IntPtr, false),
    (3, "runAsNonRoot", BoolPtr, false),
    (4, "supplementalGroups", Int, true),
    (5, "fsGroup", IntPtr, false),
    (6, "runAsGroup", IntPtr, false),
];
const POD_SPEC: &[F] = &[
    (1, "volumes", Msg(VOLUME), true),
    (2, "containers", Msg(CONTAINER), true),
    (3, "restartPolicy", Str, false),
    (4, "terminationGracePeriodSeconds", IntPtr, false),
    (5, "activeDeadlineSeconds", IntPtr, false),
    (6, "dnsPolicy", Str, false),
    (7, "nodeSelector", MapStr, false),
    (8, "serviceAccountName", Str, false),
    (9, "serviceAccount", Str, false),
    (10, "nodeName", Str, false),
    (14, "securityContext", Msg(POD_SECURITY_CONTEXT), false),
    (15, "imagePullSecrets", Msg(LOCAL_REF), true),
    (19, "schedulerName", Str, false),
    (20, "initContainers", Msg(CONTAINER), true),
    (21, "automountServiceAccountToken", BoolPtr, false),
    (22, "tolerations", Msg(TOLERATION), true),
    (24, "priorityClassName", Str, false),
    (25, "priority", IntPtr, false),
    (30, "enableServiceLinks", BoolPtr, false),
    (31, "preemptionPolicy", Str, false),
];
const POD_CONDITION: &[F] = &[
    (1, "type", Str, false),
    (2, "status", Str, false),
    (3, "lastProbeTime", Time, false),
    (4, "lastTransitionTime", Time, false),
    (5, "reason", Str, false),
    (6, "message", Str, false),
];
const POD_STATUS: &[F] = &[
    (1, "phase", Str, false),
    (2, "conditions", Msg(POD_CONDITION), true),
    (3, "message", Str, false),
    (4, "reason", Str, false),
    (5, "hostIP", Str, false),
    (6, "podIP", Str, false),
    (7, "startTime", Time, false),
    (9, "qosClass", Str, false),
];
const POD: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(POD_SPEC), false),
    (3, "status", Msg(POD_STATUS), false),
];
const POD_TEMPLATE: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(POD_SPEC), false),
];
const STRATEGY: &[F] = &[
    (1, "type", Str, false),
    (
        2,
        "rollingUpdate",
        Msg(&[
            (1, "maxUnavailable", IntOrStr, false),
            (2, "maxSurge", IntOrStr, false),
        ]),
        false,
    ),
];
const DEPLOYMENT_SPEC: &[F] = &[
    (1, "replicas", IntPtr, false),
    (2, "selector", Msg(LABEL_SELECTOR), false),
    (3, "template", Msg(POD_TEMPLATE), false),
    (4, "strategy", Msg(STRATEGY), false),
    (5, "minReadySeconds", Int, false),
    (6, "revisionHistoryLimit", IntPtr, false),
    (7, "paused", Bool, false),
    (9, "progressDeadlineSeconds", IntPtr, false),
];
const DEPLOYMENT_CONDITION: &[F] = &[
    (1, "type", Str, false),
    (2, "status", Str, false),
    (4, "reason", Str, false),
    (5, "message", Str, false),
    (6, "lastUpdateTime", Time, false),
    (7, "lastTransitionTime", Time, false),
];
const DEPLOYMENT_STATUS: &[F] = &[
    (1, "observedGeneration", Int, false),
    (2, "replicas", Int, false),
    (3, "updatedReplicas", Int, false),
    (4, "availableReplicas", Int, false),
    (5, "unavailableReplicas", Int, false),
    (6, "conditions", Msg(DEPLOYMENT_CONDITION), true),
    (7, "readyReplicas", Int, false),
    (8, "collisionCount", IntPtr, false),
    (9, "terminatingReplicas", Int, false),
];
const DEPLOYMENT: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(DEPLOYMENT_SPEC), false),
    (3, "status", Msg(DEPLOYMENT_STATUS), false),
];

const EVENT: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "involvedObject", Msg(OBJECT_REF), false),
    (3, "reason", Str, false),
    (4, "message", Str, false),
    (
        5,
        "source",
        Msg(&[(1, "component", Str, false), (2, "host", Str, false)]),
        false,
    ),
    (6, "firstTimestamp", Time, false),
    (7, "lastTimestamp", Time, false),
    (8, "count", Int, false),
    (9, "type", Str, false),
    (10, "eventTime", MicroTime, false),
    (12, "action", Str, false),
    (13, "related", Msg(OBJECT_REF), false),
    (14, "reportingComponent", Str, false),
    (15, "reportingInstance", Str, false),
];
const SERVICE_PORT: &[F] = &[
    (1, "name", Str, false),
    (2, "protocol", Str, false),
    (3, "port", Int, false),
    (4, "targetPort", IntOrStr, false),
    (5, "nodePort", Int, false),
    (6, "appProtocol", Str, false),
];
const SERVICE_SPEC: &[F] = &[
    (1, "ports", Msg(SERVICE_PORT), true),
    (2, "selector", MapStr, false),
    (3, "clusterIP", Str, false),
    (4, "type", Str, false),
    (5, "externalIPs", Str, true),
    (7, "sessionAffinity", Str, false),
    (10, "externalName", Str, false),
    (11, "externalTrafficPolicy", Str, false),
    (17, "ipFamilyPolicy", Str, false),
    (18, "clusterIPs", Str, true),
    (19, "ipFamilies", Str, true),
    (22, "internalTrafficPolicy", Str, false),
];
const SERVICE: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(SERVICE_SPEC), false),
    (
        3,
        "status",
        Msg(&[(1, "loadBalancer", Msg(&[]), false)]),
        false,
    ),
];
const PVC_SPEC: &[F] = &[
    (1, "accessModes", Str, true),
    (2, "resources", Msg(RESOURCES), false),
    (3, "volumeName", Str, false),
    (4, "selector", Msg(LABEL_SELECTOR), false),
    (5, "storageClassName", Str, false),
    (6, "volumeMode", Str, false),
];
const PVC: &[F] = &[
    (1, "metadata", Msg(META), false),
    (2, "spec", Msg(PVC_SPEC), false),
    (
        3,
        "status",
        Msg(&[
            (1, "phase", Str, false),
            (2, "accessModes", Str, true),
            (3, "capacity", MapQty, false),
        ]),
        false,
    ),
];

/// The message of a kind (built-in kinds the sandbox speaks protobuf for, and `Status`).
pub fn for_kind(kind: &str) -> Option<&'static [F]> {
    Some(match kind {
        "RoleBinding" | "ClusterRoleBinding" => BINDING,
        "Role" | "ClusterRole" => ROLE,
        "ConfigMap" => CONFIGMAP,
        "Secret" => SECRET,
        "Namespace" => NAMESPACE,
        "ServiceAccount" => SERVICEACCOUNT,
        "ResourceQuota" => QUOTA,
        "LimitRange" => LIMITRANGE,
        "Pod" => POD,
        "Deployment" => DEPLOYMENT,
        "Event" => EVENT,
        "Service" => SERVICE,
        "PersistentVolumeClaim" => PVC,
        "SelfSubjectAccessReview" => SSAR,
        "SelfSubjectRulesReview" => SSRR,
        "SelfSubjectReview" => SSR,
        "Status" => STATUS,
        _ => return None,
    })
}
