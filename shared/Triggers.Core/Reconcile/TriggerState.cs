using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>The last known state of one trigger, as the worker sees it.</summary>
public sealed record TriggerState(
    ResourceKind Kind,
    ResourceKey Trigger,
    long? ObservedGeneration,
    TriggerCondition Condition,
    int Subscriptions,
    DateTimeOffset LastTransitionTime)
{
    /// <summary>Cron times, or other worker-specific status fields.</summary>
    public DateTime? LastScheduleTime { get; init; }

    public DateTime? LastSuccessfulTime { get; init; }

    public DateTime? NextScheduleTime { get; init; }

    /// <summary>The <c>Degraded</c> condition; null until handling one of the trigger's events first threw.</summary>
    public DegradedCondition? Degraded { get; init; }
}
