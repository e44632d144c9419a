using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>
/// Writes the cron times of a trigger (<c>status.lastScheduleTime</c>, <c>lastSuccessfulTime</c>,
/// <c>nextScheduleTime</c>) through the worker's status store and <see cref="TriggerStatusPublisher"/>,
/// as the reconciler writes conditions: one write at a time per trigger, so an older state never
/// lands after a newer one, and triggers never wait on each other. Only the leader writes.
/// </summary>
internal sealed class CronStatusPublisher(
    TriggerStatusStore statusStore,
    TriggerStatusPublisher publisher,
    CronLeaderGate leader,
    ILogger<CronStatusPublisher> logger)
{
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

        try
        {
            await publisher.PublishAsync(ResourceKind.CronJobTrigger, plan.Trigger, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.StatusWriteFailed(logger, plan.Trigger.ToString(), e.Message);
        }
    }
}
