using System.Collections.Concurrent;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>
/// Writes the cron times of a trigger (<c>status.lastScheduleTime</c>, <c>lastSuccessfulTime</c>,
/// <c>nextScheduleTime</c>) through the worker's status store and status writer, as the reconciler
/// writes conditions. Only the leader writes; one write at a time per trigger, so an older state
/// never lands after a newer one, and triggers never wait on each other.
/// </summary>
internal sealed class CronStatusPublisher(
    TriggerStatusStore statusStore,
    ITriggerStatusWriter statusWriter,
    CronLeaderGate leader,
    ILogger<CronStatusPublisher> logger) : IDisposable
{
    private readonly ConcurrentDictionary<ResourceKey, SemaphoreSlim> _gates = new();

    public async Task PublishAsync(CronPlan plan, Func<TriggerState, TriggerState> change, CancellationToken cancellationToken)
    {
        if (!leader.IsLeader)
        {
            return;
        }

        if (statusStore.Update(ResourceKind.CronJobTrigger, plan.Trigger, change) is null)
        {
            // A trigger seen for the first time has no state until the reconciler's pass ends;
            // seed it with the very condition the reconciler is about to record.
            statusStore.SetCondition(ResourceKind.CronJobTrigger, plan.Trigger, plan.Generation, plan.Condition, plan.Siblings);
            statusStore.Update(ResourceKind.CronJobTrigger, plan.Trigger, change);
        }

        var gate = _gates.GetOrAdd(plan.Trigger, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (statusStore.Get(ResourceKind.CronJobTrigger, plan.Trigger) is { } current)
            {
                await statusWriter.WriteAsync(current, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StatusWriteFailed(logger, plan.Trigger.ToString(), e.Message);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Dispose();
        }
    }
}
