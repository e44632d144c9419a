using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>
/// Between Quartz and the firer: takes the ticks Quartz hands over, claims each (a tick is fired
/// once), records them all with one state write, then fires them. Also fires the ticks decided
/// elsewhere (catch-up, run-now) through the same record-then-fire steps.
/// </summary>
internal sealed class CronFireLoop(
    CronFirer firer,
    CronStateStore state,
    CronMetrics metrics,
    CronLeaderGate leader,
    IOptions<CronOptions> options,
    TimeProvider time,
    ILogger<CronFireLoop> logger) : IAsyncDisposable
{
    /// <summary>Group firings Quartz has handed over and the loop has not taken yet; when full, Quartz jobs wait to hand over.</summary>
    internal const int PendingCapacity = 1_024;

    /// <summary>Most ticks recorded with one state write.</summary>
    internal const int MaxFireBatch = 4_096;

    private readonly Channel<PendingTick> _pending = Channel.CreateBounded<PendingTick>(new BoundedChannelOptions(PendingCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private Task? _loop;

    /// <summary>Hands over one firing of a group; never holds a Quartz thread for a write or a call.</summary>
    public ValueTask EnqueueAsync(PendingTick tick, CancellationToken cancellationToken)
    {
        _loop ??= Task.Run(LoopAsync, CancellationToken.None);
        return _pending.Writer.TryWrite(tick) ? ValueTask.CompletedTask : _pending.Writer.WriteAsync(tick, cancellationToken);
    }

    /// <summary>Fires one tick outside Quartz (catch-up, run-now): records it unless it is a run-now, then fires it.</summary>
    public async Task<CronRun?> FireNowAsync(CronJob job, DateTimeOffset scheduled, FireKind kind, string? runNow, CancellationToken cancellationToken)
    {
        if (!leader.IsLeader)
        {
            return null;
        }

        var plan = job.Plan;
        if (kind != FireKind.RunNow)
        {
            try
            {
                await state.RecordTickAsync(plan.Trigger, scheduled, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.TickFailed(logger, plan.Key, e);
                job.Health.Failed(ConditionReasons.TickHandlingFailed, $"recording the tick of {EventHeaders.FormatTime(scheduled)}", e);
                return null;
            }
        }

        using var recorded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        recorded.CancelAfter(options.Value.StatusWriteTimeout);
        return await firer.FireAsync(job, plan, scheduled, kind, runNow, recorded.Token, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until the fires under way have written their tick into the status (each waits at most
    /// <c>Cron:StatusWriteTimeout</c> for that), so a leader stepping down lets go only after what it recorded landed.
    /// </summary>
    public Task SettleAsync() => firer.SettleAsync(options.Value.StatusWriteTimeout + TimeSpan.FromSeconds(1));

    /// <summary>Starts fires of <paramref name="job"/> decided under the scheduler's lock, without holding the reconciler up while they run.</summary>
    public void Start(CronJob job, IEnumerable<Func<CancellationToken, Task>> fires)
    {
        var stopping = firer.Stopping;
        foreach (var fire in fires)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await fire(stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    Log.TickFailed(logger, job.Plan.Key, e);
                    job.Health.Failed(ConditionReasons.TickHandlingFailed, "starting a catch-up or run-now tick", e);
                }
            }, CancellationToken.None);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes every tick waiting, claims them in the order Quartz fired them, records them all with
    /// one state write, then fires each. Ticks that come due while a write runs wait for the next
    /// one, so the number of writes per second stays small however many triggers fire.
    /// </summary>
    private async Task LoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<(CronJob Job, CronScheduleGroup Group, DateTimeOffset Scheduled)>();
        var stopping = firer.Stopping;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxFireBatch && reader.TryRead(out var tick))
                {
                    batch.AddRange(tick.Members.Select(job => (job, tick.Group, tick.Scheduled)));
                }

                try
                {
                    await FireBatchAsync(batch, stopping).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.TickFailed(logger, $"a batch of {batch.Count} tick(s)", e);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FireBatchAsync(List<(CronJob Job, CronScheduleGroup Group, DateTimeOffset Scheduled)> batch, CancellationToken stopping)
    {
        var claimed = new List<(CronJob Job, CronPlan Plan, DateTimeOffset Scheduled)>(batch.Count);
        var now = time.GetUtcNow();
        var dropped = 0;
        foreach (var (job, group, scheduled) in batch)
        {
            // Not this replica's to fire any more; the next leader resumes from the last recorded tick.
            if (!leader.IsLeader)
            {
                return;
            }

            // Removed, suspended or rescheduled since Quartz fired the tick.
            if (!ReferenceEquals(job.Group, group))
            {
                continue;
            }

            // The tick misfired, as it would in Quartz; it stays unclaimed, so a restart or a new
            // leader treats it as any other missed tick.
            if (CronDecisions.IsMisfired(scheduled, now))
            {
                metrics.Missed(job.Plan, 1);
                dropped++;
                continue;
            }

            // Already fired: the other expression of a day-of-month OR day-of-week schedule, or a tick caught up on.
            if (job.TryClaim(scheduled))
            {
                claimed.Add((job, job.Plan, scheduled));
            }
        }

        if (dropped > 0)
        {
            Log.Misfired(logger, dropped, CronDecisions.MisfireThreshold);
        }

        if (claimed.Count == 0)
        {
            return;
        }

        // Record the ticks before calling any function: a new leader (or this worker after a
        // restart) resumes from this record, so a tick is never fired twice across a failover.
        try
        {
            await state.RecordTicksAsync([.. claimed.Select(c => (c.Plan.Trigger, c.Scheduled))], stopping).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            foreach (var (job, _, scheduled) in claimed)
            {
                job.Health.Failed(ConditionReasons.TickHandlingFailed, $"recording the tick of {EventHeaders.FormatTime(scheduled)}", e);
            }

            throw;
        }

        // One status deadline for the whole batch: its writes all start now, side by side, and
        // slow ones hold only their own ticks, never the next batch.
        var recorded = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        recorded.CancelAfter(options.Value.StatusWriteTimeout);
        var fires = claimed.Select(c => firer.FireAsync(c.Job, c.Plan, c.Scheduled, FireKind.Scheduled, null, recorded.Token, stopping)).ToList();
        _ = Task.WhenAll(fires).ContinueWith(static (_, cts) => ((CancellationTokenSource)cts!).Dispose(), recorded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
