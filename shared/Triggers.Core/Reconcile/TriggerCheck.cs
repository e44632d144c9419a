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

internal sealed class PlannerCheck<TTrigger, TPlan>(ITriggerPlanner<TTrigger, TPlan> planner) : ITriggerCheck
    where TTrigger : class, IKubernetesObject<V1ObjectMeta>
    where TPlan : SubscriptionPlan
{
    public ResourceKind Kind => planner.Kind;

    public TriggerCondition Check(IKubernetesObject<V1ObjectMeta> trigger, ResourceSnapshot snapshot) =>
        trigger is TTrigger typed ? planner.Plan(typed, snapshot).Condition : TriggerCondition.Invalid("WrongKind", $"expected {planner.Kind.Kind}");
}
