using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>
/// Fires one tick that is already recorded: writes the cron times into the status, builds the event,
/// applies the concurrency policy and starts the call. Knows nothing of Quartz or leadership changes
/// beyond the gate it checks.
/// </summary>
internal sealed class CronFirer(
    CronDelivery delivery,
    CronStatusPublisher status,
    CronMetrics metrics,
    CronLeaderGate leader,
    IOptions<CronOptions> options,
    TimeProvider time,
    ILogger<CronFirer> logger) : IDisposable
{
    /// <summary>Spans of the cron worker: one per tick, parent of the dispatch span.</summary>
    public static readonly ActivitySource ActivitySource = new("Triggers.Cron");

    private readonly ConcurrentDictionary<long, Task> _recording = new();
    private readonly CancellationTokenSource _stopping = new();
    private long _next;

    /// <summary>Cancelled when the worker shuts down: every call still running ends.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>
    /// Records the tick in the status (waiting at most until <paramref name="statusWritten"/> is
    /// cancelled), then starts the call under the concurrency policy. Returns the call, or null when
    /// it was skipped or this replica no longer leads. Never throws but for cancellation: one
    /// trigger's failure stays its own.
    /// </summary>
    public Task<CronRun?> FireAsync(CronJob job, CronPlan plan, DateTimeOffset scheduled, FireKind kind, string? runNow, CancellationToken statusWritten, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _next);
        var fire = FireCoreAsync(job, plan, scheduled, kind, runNow, statusWritten, cancellationToken);
        if (!fire.IsCompleted)
        {
            _recording[id] = fire;
            _ = fire.ContinueWith(_ => _recording.TryRemove(id, out Task? _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return fire;
    }

    /// <summary>Waits (at most <paramref name="limit"/>) for the fires whose status is being written: what a stepping-down leader recorded lands before it lets go.</summary>
    public async Task SettleAsync(TimeSpan limit)
    {
        try
        {
            await Task.WhenAll(_recording.Values).WaitAsync(limit, time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        catch (OperationCanceledException)
        {
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task<CronRun?> FireCoreAsync(CronJob job, CronPlan plan, DateTimeOffset scheduled, FireKind kind, string? runNow, CancellationToken statusWritten, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new KeyValuePair<string, object>[] { new("trigger", plan.Trigger.ToString()), new("function", plan.Function.Name) });
        using var activity = ActivitySource.HasListeners() ? ActivitySource.StartActivity($"cron tick {plan.Trigger}", ActivityKind.Producer) : null;
        activity?.SetTag("triggers.trigger", plan.Trigger.ToString());
        activity?.SetTag("triggers.function", $"{plan.Function.Namespace}/{plan.Function.Name}");
        activity?.SetTag("triggers.cron.scheduled_time", EventHeaders.FormatTime(scheduled));
        activity?.SetTag("triggers.cron.fire", kind.ToString());
        try
        {
            if (!leader.IsLeader)
            {
                return null;
            }

            var now = time.GetUtcNow();
            var next = CronDecisions.NextFire(plan.Schedule, plan.Suspend, scheduled, now);
            try
            {
                await status.PublishAsync(plan, s => s with
                {
                    LastScheduleTime = kind == FireKind.RunNow || s.LastScheduleTime >= scheduled.UtcDateTime ? s.LastScheduleTime : scheduled.UtcDateTime,
                    NextScheduleTime = next?.UtcDateTime,
                }, statusWritten).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The API server is slow or gone: call the function anyway (a lease this replica
                // cannot renew ends its leadership soon, and the event id marks a refired tick).
                Log.StatusWriteFailed(logger, plan.Trigger.ToString(), $"not recorded within Cron:StatusWriteTimeout ({options.Value.StatusWriteTimeout})");
            }

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

            var triggerEvent = CronEvent.Create(plan, scheduled, kind, runNow, now);
            var lateness = now - scheduled;
            metrics.Fired(plan, kind switch { FireKind.Late => "late", FireKind.RunNow => "runnow", _ => "scheduled" }, lateness);
            Log.Fired(logger, plan.Key, scheduled, lateness, triggerEvent.Id);
            run.Start(() => delivery.DeliverAsync(job, plan, triggerEvent, run));
            return run;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.TickFailed(logger, plan.Key, e);
            job.Health.Failed(ConditionReasons.TickHandlingFailed, $"firing the tick of {EventHeaders.FormatTime(scheduled)}", e);
            return null;
        }
    }
}
