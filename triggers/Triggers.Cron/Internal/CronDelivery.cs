using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>One call of a tick to its function: dispatch, the shared delivery metrics, and <c>status.lastSuccessfulTime</c>.</summary>
internal sealed class CronDelivery(
    IEventDispatcher dispatcher,
    CronStatusPublisher status,
    CronMetrics metrics,
    TimeProvider time,
    ILogger<CronDelivery> logger)
{
    public async Task DeliverAsync(CronJob job, CronPlan plan, TriggerEvent triggerEvent, CronRun run)
    {
        var tags = CronMetrics.Tags(plan);
        var shared = metrics.Shared;
        shared.Received(tags);
        shared.InFlight(tags, 1);
        try
        {
            var result = await dispatcher.DispatchAsync(triggerEvent, plan.Function, plan.Policy, run.Token).ConfigureAwait(false);
            shared.Duration(tags, result.Elapsed);
            if (result.Attempts > 1)
            {
                shared.Retried(tags, result.Attempts - 1);
            }

            // Not delivered is the function's doing, counted and logged; only an exception degrades the trigger.
            job.Health.Handled();
            if (result.IsDelivered)
            {
                shared.Delivered(tags);
                var done = time.GetUtcNow().UtcDateTime;
                await status.PublishAsync(plan, s => s with { LastSuccessfulTime = s.LastSuccessfulTime > done ? s.LastSuccessfulTime : done }, run.Token).ConfigureAwait(false);
            }
            else
            {
                shared.Failed(tags);
                Log.NotDelivered(logger, plan.Key, triggerEvent.Id, plan.Function.ToString(), result.Reason, result.Attempts);
            }
        }
        catch (OperationCanceledException) when (run.Token.IsCancellationRequested)
        {
            // Replaced by a newer tick (concurrencyPolicy Replace), the trigger was removed, or shutdown.
        }
        catch (Exception e)
        {
            Log.TickFailed(logger, plan.Key, e);
            job.Health.Failed(ConditionReasons.TickHandlingFailed, $"delivering the tick event {triggerEvent.Id}", e);
        }
        finally
        {
            shared.InFlight(tags, -1);
            job.EndRun(run);
        }
    }
}
