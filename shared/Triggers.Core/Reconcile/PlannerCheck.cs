using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Reconcile;

internal sealed class PlannerCheck<TTrigger, TPlan>(ITriggerPlanner<TTrigger, TPlan> planner) : ITriggerCheck
    where TTrigger : class, IKubernetesObject<V1ObjectMeta>
    where TPlan : SubscriptionPlan
{
    public ResourceKind Kind => planner.Kind;

    public TriggerCondition Check(IKubernetesObject<V1ObjectMeta> trigger, ResourceSnapshot snapshot)
    {
        if (trigger is not TTrigger typed)
        {
            return TriggerCondition.Invalid("WrongKind", $"expected {planner.Kind.Kind}");
        }

        try
        {
            return planner.Plan(typed, snapshot).Condition;
        }
        catch (Exception e)
        {
            // The reconciler reports a throwing planner the same way.
            return TriggerCondition.Invalid("PlanFailed", e.Message);
        }
    }
}
