using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Kubernetes.Internal;

/// <summary>A list result: the items that could be read, the list's resourceVersion, and the items that could not.</summary>
internal sealed record KindList(IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Items, string ResourceVersion, IReadOnlyList<(ResourceKey Key, string Problem)> Problems);
