using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>Manifests source: files have no finalizers to remove.</summary>
public sealed class NullTriggerFinalizer : ITriggerFinalizer
{
    public Task ReleaseAsync(ResourceKind kind, IKubernetesObject<V1ObjectMeta> trigger, CancellationToken cancellationToken) => Task.CompletedTask;
}
