using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>How a fire came about.</summary>
internal enum FireKind
{
    Scheduled,
    Late,
    RunNow,
}

internal sealed partial class CronScheduler
{
    /// <summary>Fires one tick; returns the call it started, or null when it was skipped or not this replica's to fire.</summary>
    private async Task<CronRun?> FireAsync(CronJob job, DateTimeOffset scheduled, FireKind kind, string? runNow, CancellationToken cancellationToken)
    {
        if (!_leader)
        {
            return null;
        }

        var plan = job.Plan;
        if (kind == FireKind.Scheduled && !job.TryClaim(scheduled))
        {
            // Already fired: the other expression of a day-of-month OR day-of-week schedule, or a tick caught up on.
            return null;
        }

        try
        {
            var now = time.GetUtcNow();
            var lateness = now - scheduled;

            // Record the tick before calling the function: a new leader resumes from this record,
            // so a tick is never fired twice across a failover.
            if (kind != FireKind.RunNow)
            {
                await state.RecordTickAsync(plan.Trigger, scheduled, cancellationToken).ConfigureAwait(false);
            }

            var next = plan.Schedule.NextAfter(now > scheduled ? now : scheduled);
            await PublishAsync(plan, s => s with
            {
                LastScheduleTime = kind == FireKind.RunNow || s.LastScheduleTime >= scheduled.UtcDateTime ? s.LastScheduleTime : scheduled.UtcDateTime,
                NextScheduleTime = plan.Suspend ? null : next?.UtcDateTime,
            }, cancellationToken).ConfigureAwait(false);

            var headers = new List<KeyValuePair<string, string>>
            {
                new(ScheduledTimeHeader, EventHeaders.FormatTime(scheduled)),
            };
            if (kind == FireKind.Late)
            {
                headers.Add(new(LateHeader, "true"));
            }

            if (runNow is not null)
            {
                headers.Add(new(RunNowHeader, runNow));
            }

            var triggerEvent = new TriggerEvent
            {
                Body = plan.Body,
                ContentType = plan.HasPayload ? "application/json" : null,
                Id = Guid.NewGuid().ToString(),
                Time = now,
                EventNamespace = CronJobTrigger.EventNamespace,
                Topic = plan.Trigger.Name,
                Source = $"/apis/{CronJobTrigger.GroupVersion}/namespaces/{plan.Trigger.Namespace}/{CronJobTrigger.Plural}/{plan.Trigger.Name}",
                Type = "io.kubeless.cronjobtrigger.tick",
                Headers = headers,
            };

            if (!job.TryStartRun(plan.Concurrency, _stopping.Token, out var run, out var replaced))
            {
                metrics.Skipped(plan, "forbid");
                Log.SkippedForbid(logger, plan.Key, scheduled);
                return null;
            }

            if (replaced)
            {
                metrics.Skipped(plan, "replaced");
                Log.Replacing(logger, plan.Key, scheduled);
            }

            metrics.Fired(plan, kind.ToString().ToLowerInvariant(), lateness);
            Log.Fired(logger, plan.Key, scheduled, lateness, triggerEvent.Id);
            run.Start(() => DeliverAsync(job, plan, triggerEvent, run));
            return run;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.TickFailed(logger, plan.Key, e);
            return null;
        }
    }

    private async Task DeliverAsync(CronJob job, CronPlan plan, TriggerEvent triggerEvent, CronRun run)
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

            if (result.IsDelivered)
            {
                shared.Delivered(tags);
                var done = time.GetUtcNow().UtcDateTime;
                await PublishAsync(plan, s => s with { LastSuccessfulTime = s.LastSuccessfulTime > done ? s.LastSuccessfulTime : done }, _stopping.Token).ConfigureAwait(false);
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
        }
        finally
        {
            shared.InFlight(tags, -1);
            job.EndRun(run);
        }
    }

    /// <summary>Applies a change to the trigger's status (times) and writes it back; only the leader does.</summary>
    private async Task PublishAsync(CronPlan plan, Func<TriggerState, TriggerState> change, CancellationToken cancellationToken)
    {
        if (!_leader)
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

        await _statusGate.WaitAsync(cancellationToken).ConfigureAwait(false);
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
            _statusGate.Release();
        }
    }
}
