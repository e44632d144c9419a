using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Sources;

/// <summary>Where a resource source delivers what it sees. Implemented by <see cref="ResourceCache"/>.</summary>
public interface IResourceSink
{
    /// <summary>The kinds this worker wants; a source ignores (and need not watch) the others.</summary>
    IReadOnlySet<ResourceKind> Kinds { get; }

    void Upsert(ResourceKind kind, IKubernetesObject<V1ObjectMeta> item);

    void Delete(ResourceKind kind, ResourceKey key);

    /// <summary>Replaces every item of a kind (a full list or relist) and marks the kind synced.</summary>
    void Replace(ResourceKind kind, IEnumerable<IKubernetesObject<V1ObjectMeta>> items);
}
