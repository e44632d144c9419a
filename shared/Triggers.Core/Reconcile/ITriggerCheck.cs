using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// A worker's planner seen without its plan type: what <c>triggers-dev validate</c> runs, so that
/// validation is exactly the workers' own.
/// </summary>
public interface ITriggerCheck
{
    ResourceKind Kind { get; }

    TriggerCondition Check(IKubernetesObject<V1ObjectMeta> trigger, ResourceSnapshot snapshot);
}
