using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// Lets a deleted trigger go once its worker has cleaned up after it: removes the worker kind's
/// Kubeless finalizer (<see cref="KubelessFinalizers"/>) and nothing else.
/// </summary>
public interface ITriggerFinalizer
{
    /// <summary>
    /// Removes the Kubeless finalizer of <paramref name="kind"/> from <paramref name="trigger"/> with a
    /// request that cannot remove anyone else's; done when it is gone, was never there or the trigger
    /// no longer exists. Throws when the API server keeps refusing (the caller retries later).
    /// </summary>
    Task ReleaseAsync(ResourceKind kind, IKubernetesObject<V1ObjectMeta> trigger, CancellationToken cancellationToken);
}
