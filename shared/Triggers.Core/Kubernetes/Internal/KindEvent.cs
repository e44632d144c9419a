using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Kubernetes.Internal;

/// <summary>One watch event as the source needs it: the type, the resourceVersion, the key, and the object when it could be read.</summary>
internal readonly record struct KindEvent(WatchEventType Type, string? ResourceVersion, ResourceKey? Key, IKubernetesObject<V1ObjectMeta>? Object, string? Problem);
