using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Reconcile;

/// <summary>Turns one trigger (and the functions it selects) into the subscriptions it needs. Pure: no I/O.</summary>
public interface ITriggerPlanner<TTrigger, TPlan>
    where TPlan : SubscriptionPlan
{
    ResourceKind Kind { get; }

    TriggerPlan<TPlan> Plan(TTrigger trigger, ResourceSnapshot snapshot);
}
