using k8s;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>Namespace and name of a resource.</summary>
public readonly record struct ResourceKey(string Namespace, string Name)
{
    public static ResourceKey Of(IKubernetesObject<V1ObjectMeta> obj) =>
        new(obj.Metadata?.NamespaceProperty ?? "default", obj.Metadata?.Name ?? "");

    public override string ToString() => Namespace + "/" + Name;
}
