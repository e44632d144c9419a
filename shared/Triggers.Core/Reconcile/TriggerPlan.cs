
namespace Triggers.Core.Reconcile;

/// <summary>What a worker wants running for one trigger, and the trigger's condition.</summary>
public sealed record TriggerPlan<TPlan>(IReadOnlyList<TPlan> Subscriptions, TriggerCondition Condition)
    where TPlan : SubscriptionPlan
{
    public static TriggerPlan<TPlan> Invalid(string reason, string message) => new([], TriggerCondition.Invalid(reason, message));
}
