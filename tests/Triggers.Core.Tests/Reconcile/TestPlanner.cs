using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Reconcile;

public sealed class TestPlanner(FunctionResolver resolver) : ITriggerPlanner<NatsTrigger, TestPlan>
{
    public ResourceKind Kind => ResourceKind.NatsTrigger;

    public TriggerPlan<TestPlan> Plan(NatsTrigger trigger, ResourceSnapshot snapshot)
    {
        if (trigger.Spec.Topic == "explode")
        {
            throw new InvalidOperationException("planner bug");
        }

        if (!LabelSelector.TryCompile(trigger.Spec.FunctionSelector, out var selector, out var error))
        {
            return TriggerPlan<TestPlan>.Invalid("InvalidSelector", error!);
        }

        var functions = resolver.Resolve(snapshot, trigger.Namespace, selector);
        var plans = functions.Endpoints.Select(f => new TestPlan
        {
            Key = $"{trigger.Namespace}/{trigger.Name}/{f.Name}",
            Trigger = ResourceKey.Of(trigger),
            Revision = $"{trigger.Spec.Topic}|{f.Url}",
            Topic = trigger.Spec.Topic!,
            Url = f.Url,
        }).ToList();
        return new(plans, plans.Count == 0 ? new(false, "NoMatchingFunctions", "no function matches") : new(true, "Subscribed", $"{plans.Count} functions"));
    }
}
