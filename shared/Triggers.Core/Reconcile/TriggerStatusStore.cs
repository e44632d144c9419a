using System.Collections.Concurrent;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>In-memory state of every trigger this worker runs; served at <c>/status</c> and written back by the status writer.</summary>
public sealed class TriggerStatusStore(TimeProvider time)
{
    private readonly ConcurrentDictionary<(ResourceKind, ResourceKey), TriggerState> _states = new();

    // Kept apart as well, so a Degraded condition set before the trigger's first pass recorded a state is not lost.
    private readonly ConcurrentDictionary<(ResourceKind, ResourceKey), DegradedCondition> _degraded = new();

    public IReadOnlyCollection<TriggerState> All => [.. _states.Values.OrderBy(s => s.Trigger.ToString(), StringComparer.Ordinal)];

    public TriggerState? Get(ResourceKind kind, ResourceKey key) => _states.TryGetValue((kind, key), out var s) ? s : null;

    /// <summary>Records a condition; returns the new state and whether anything a reader cares about changed.</summary>
    public (TriggerState State, bool Changed) SetCondition(ResourceKind kind, ResourceKey key, long? generation, TriggerCondition condition, int subscriptions)
    {
        while (true)
        {
            if (_states.TryGetValue((kind, key), out var old))
            {
                var transition = old.Condition.Ready != condition.Ready || old.Condition.Reason != condition.Reason
                    ? time.GetUtcNow()
                    : old.LastTransitionTime;
                var updated = old with { ObservedGeneration = generation, Condition = condition, Subscriptions = subscriptions, LastTransitionTime = transition };
                if (updated == old)
                {
                    return (old, false);
                }

                if (_states.TryUpdate((kind, key), updated, old))
                {
                    return (updated, true);
                }
            }
            else
            {
                var created = new TriggerState(kind, key, generation, condition, subscriptions, time.GetUtcNow())
                {
                    Degraded = _degraded.GetValueOrDefault((kind, key)),
                };
                if (_states.TryAdd((kind, key), created))
                {
                    // A Degraded set between the read above and the add: apply it now.
                    var degraded = _degraded.GetValueOrDefault((kind, key));
                    return degraded == created.Degraded ? (created, true) : (Update(kind, key, s => s with { Degraded = degraded }) ?? created, true);
                }
            }
        }
    }

    /// <summary>Applies a change to an existing state (cron times); returns null when the trigger is unknown.</summary>
    public TriggerState? Update(ResourceKind kind, ResourceKey key, Func<TriggerState, TriggerState> change)
    {
        while (_states.TryGetValue((kind, key), out var old))
        {
            var updated = change(old);
            if (_states.TryUpdate((kind, key), updated, old))
            {
                return updated;
            }
        }

        return null;
    }

    /// <summary>Records the trigger's <c>Degraded</c> condition (kept for a trigger whose state is not recorded yet); returns the new state, or null when none is recorded yet.</summary>
    public TriggerState? SetDegraded(ResourceKind kind, ResourceKey key, DegradedCondition degraded)
    {
        _degraded[(kind, key)] = degraded;
        return Update(kind, key, s => s with { Degraded = degraded });
    }

    /// <summary>Raised after <see cref="Remove"/>, so what else keeps per-trigger state (status gates, health entries) lets the trigger go too.</summary>
    public event Action<ResourceKind, ResourceKey>? Removed;

    /// <summary>Forgets a trigger that is deleted or no longer this worker's, and tells <see cref="Removed"/>.</summary>
    public void Remove(ResourceKind kind, ResourceKey key)
    {
        _states.TryRemove((kind, key), out _);
        _degraded.TryRemove((kind, key), out _);
        Removed?.Invoke(kind, key);
    }
}
