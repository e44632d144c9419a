using System.Threading.Channels;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>A scheduled tick Quartz delivered for one schedule of a group, waiting to be fired.</summary>
internal readonly record struct PendingFire(CronJob Job, CronScheduleGroup Group, DateTimeOffset Scheduled);

/// <summary>One firing of a group: the tick of every schedule that was in it, handed over as one item.</summary>
internal sealed record PendingTick(CronScheduleGroup Group, DateTimeOffset Scheduled, CronJob[] Members);

internal sealed partial class CronScheduler
{
    /// <summary>
    /// Group firings Quartz has handed over and the fire loop has not taken yet. Bounded: when the
    /// loop falls this far behind, Quartz jobs wait to hand over.
    /// </summary>
    internal const int PendingCapacity = 1_024;

    /// <summary>
    /// How late a tick may be handed over before it is dropped as missed: the in-memory Quartz
    /// store's misfire threshold, which is set to the same value. When the worker cannot keep up, a
    /// tick is counted (<c>triggers.cron.misses</c>) rather than queued ever later.
    /// </summary>
    internal static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>Most ticks recorded with one state write.</summary>
    internal const int MaxFireBatch = 4_096;

    /// <summary>Quartz triggers (one per schedule group and expression) acquired and fired in one pass of Quartz's scheduler thread: all that are due at the same instant, up to this many.</summary>
    internal const int QuartzBatchSize = 256;

    private readonly Channel<PendingTick> _pending = Channel.CreateBounded<PendingTick>(new BoundedChannelOptions(PendingCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private Task? _fireLoop;

    /// <summary>
    /// Called by Quartz for every firing of a group: only hands the tick of its members to the fire
    /// loop, as one item (so the loop records them with one write), and returns: a Quartz thread is
    /// never held by a state write, a status write or a call.
    /// </summary>
    internal ValueTask OnQuartzTickAsync(string groupKey, DateTimeOffset scheduled, CancellationToken cancellationToken)
    {
        if (!_leader || !_groups.TryGetValue(groupKey, out var group))
        {
            return ValueTask.CompletedTask;
        }

        // Joined after this instant: the tick belongs to the schedules that were there.
        var members = group.Members.Values.Where(job => scheduled >= job.JoinedAt).ToArray();
        if (members.Length == 0)
        {
            return ValueTask.CompletedTask;
        }

        var tick = new PendingTick(group, scheduled, members);
        return _pending.Writer.TryWrite(tick) ? ValueTask.CompletedTask : _pending.Writer.WriteAsync(tick, cancellationToken);
    }

    private void StartFireLoop() => _fireLoop ??= Task.Run(FireLoopAsync, CancellationToken.None);

    /// <summary>
    /// Takes every tick waiting, claims them in the order Quartz fired them, records them all with
    /// one state write, then fires each. Ticks that come due while a write runs wait for the next
    /// one, so the number of writes per second stays small however many triggers fire.
    /// </summary>
    private async Task FireLoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<PendingFire>();
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < MaxFireBatch && reader.TryRead(out var tick))
                {
                    foreach (var job in tick.Members)
                    {
                        batch.Add(new PendingFire(job, tick.Group, tick.Scheduled));
                    }
                }

                try
                {
                    await FireBatchAsync(batch).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.TickFailed(logger, $"a batch of {batch.Count} tick(s)", e);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
    }

    private async Task FireBatchAsync(List<PendingFire> batch)
    {
        var claimed = new List<(CronJob Job, CronPlan Plan, DateTimeOffset Scheduled)>(batch.Count);
        var ticks = new List<(ResourceKey Trigger, DateTimeOffset Scheduled)>(batch.Count);
        var now = time.GetUtcNow();
        var dropped = 0;
        foreach (var (job, group, scheduled) in batch)
        {
            // Not this replica's to fire any more; the next leader resumes from the last recorded tick.
            if (!_leader)
            {
                return;
            }

            var plan = job.Plan;

            // Removed, suspended or rescheduled since Quartz fired the tick.
            if (!ReferenceEquals(job.Group, group) || !_jobs.TryGetValue(plan.Key, out var current) || !ReferenceEquals(current, job))
            {
                continue;
            }

            // The worker fell this far behind: the tick misfired, as it would in Quartz (it stays unclaimed,
            // so a restart or a new leader treats it as any other missed tick).
            if (now - scheduled > MisfireThreshold)
            {
                metrics.Missed(plan, 1);
                dropped++;
                continue;
            }

            // Already fired: the other expression of a day-of-month OR day-of-week schedule, or a tick caught up on.
            if (!job.TryClaim(scheduled))
            {
                continue;
            }

            claimed.Add((job, plan, scheduled));
            ticks.Add((plan.Trigger, scheduled));
        }

        if (dropped > 0)
        {
            Log.Misfired(logger, dropped, MisfireThreshold);
        }

        if (claimed.Count == 0)
        {
            return;
        }

        // Record the ticks before calling any function: a new leader (or this worker after a
        // restart) resumes from this record, so a tick is never fired twice across a failover.
        await state.RecordTicksAsync(ticks, _stopping.Token).ConfigureAwait(false);

        // One status deadline for the whole batch: its writes all start now, side by side.
        var recorded = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        recorded.CancelAfter(options.Value.StatusWriteTimeout);
        List<Task>? waiting = null;
        foreach (var (job, plan, scheduled) in claimed)
        {
            var fire = FireRecordedAsync(job, plan, scheduled, FireKind.Scheduled, null, recorded.Token, _stopping.Token);
            if (!fire.IsCompleted)
            {
                (waiting ??= []).Add(fire);
            }
        }

        if (waiting is null)
        {
            recorded.Dispose();
        }
        else
        {
            // Slow status writes hold only their own ticks, never the next batch.
            _ = Task.WhenAll(waiting).ContinueWith(static (_, cts) => ((CancellationTokenSource)cts!).Dispose(), recorded, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }
}
