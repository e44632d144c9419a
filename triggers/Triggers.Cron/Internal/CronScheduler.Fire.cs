using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
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
    /// <summary>Spans of the cron worker: one per tick, parent of the dispatch span.</summary>
    public static readonly ActivitySource ActivitySource = new("Triggers.Cron");

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

        // Record the tick before calling the function: a new leader resumes from this record,
        // so a tick is never fired twice across a failover.
        if (kind != FireKind.RunNow)
        {
            try
            {
                await state.RecordTickAsync(plan.Trigger, scheduled, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.TickFailed(logger, plan.Key, e);
                return null;
            }
        }

        using var recorded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        recorded.CancelAfter(options.Value.StatusWriteTimeout);
        return await FireRecordedAsync(job, plan, scheduled, kind, runNow, recorded.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The second half of a fire, once the tick is in the state store: records it in the status
    /// (waiting at most until <paramref name="statusWritten"/> is cancelled), then starts the call
    /// under the concurrency policy. Never throws but for cancellation: one trigger's failure stays its own.
    /// </summary>
    private async Task<CronRun?> FireRecordedAsync(CronJob job, CronPlan plan, DateTimeOffset scheduled, FireKind kind, string? runNow, CancellationToken statusWritten, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new KeyValuePair<string, object>[] { new("trigger", plan.Trigger.ToString()), new("function", plan.Function.Name) });
        using var activity = ActivitySource.HasListeners() ? ActivitySource.StartActivity($"cron tick {plan.Trigger}", ActivityKind.Producer) : null;
        activity?.SetTag("triggers.trigger", plan.Trigger.ToString());
        activity?.SetTag("triggers.function", $"{plan.Function.Namespace}/{plan.Function.Name}");
        activity?.SetTag("triggers.cron.scheduled_time", EventHeaders.FormatTime(scheduled));
        activity?.SetTag("triggers.cron.fire", kind.ToString());
        try
        {
            var now = time.GetUtcNow();
            var lateness = now - scheduled;
            var next = plan.Schedule.NextAfter(now > scheduled ? now : scheduled);
            try
            {
                await PublishAsync(plan, s => s with
                {
                    LastScheduleTime = kind == FireKind.RunNow || s.LastScheduleTime >= scheduled.UtcDateTime ? s.LastScheduleTime : scheduled.UtcDateTime,
                    NextScheduleTime = plan.Suspend ? null : next?.UtcDateTime,
                }, statusWritten).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The API server is slow or gone: call the function anyway (a lease this replica
                // cannot renew ends its leadership soon, and the event id marks a refired tick).
                Log.StatusWriteFailed(logger, plan.Trigger.ToString(), $"not recorded within Cron:StatusWriteTimeout ({options.Value.StatusWriteTimeout})");
            }

            var headers = new List<KeyValuePair<string, string>>(2)
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
                Id = kind == FireKind.RunNow ? Guid.NewGuid().ToString() : TickId(plan, scheduled),
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

            metrics.Fired(plan, kind switch { FireKind.Late => "late", FireKind.RunNow => "runnow", _ => "scheduled" }, lateness);
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

    /// <summary>
    /// The event id of a scheduled tick: new for every tick, but the same if a tick is ever fired
    /// again (a failover in the moment between recording and calling), so a function can tell.
    /// </summary>
    internal static string TickId(CronPlan plan, DateTimeOffset scheduled)
    {
        // The SHA-256 of the UTF-8 of "{key}@{ticks}", built without intermediate strings (one per tick otherwise).
        Span<byte> hash = stackalloc byte[32];
        var length = Encoding.UTF8.GetMaxByteCount(plan.Key.Length) + 21;
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        var input = rented is null ? stackalloc byte[512] : rented;
        var written = Encoding.UTF8.GetBytes(plan.Key, input);
        input[written++] = (byte)'@';
        scheduled.UtcTicks.TryFormat(input[written..], out var digits, default, CultureInfo.InvariantCulture);
        SHA256.HashData(input[..(written + digits)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true).ToString();
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

        // One write at a time per trigger, so an older state never lands after a newer one; triggers do not wait on each other.
        var gate = _statusGates.GetOrAdd(plan.Trigger, _ => new SemaphoreSlim(1, 1));
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
}
