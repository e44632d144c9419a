using System.Collections.Concurrent;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>
/// The cron worker's subscription set, driven by the reconciler like the NATS and Kafka sets. It
/// always knows every wanted schedule; only while this replica leads does it hold them in Quartz.
/// Losing leadership clears Quartz in one call (<see cref="StepDownAsync"/>); on gaining it the
/// leadership service asks the reconciler for a full pass, whose upserts schedule everything again
/// from the last recorded tick, so a schedule that cannot start is reported on its own trigger.
/// </summary>
internal sealed class CronScheduler(
    QuartzTicker ticker,
    CronFireLoop fires,
    CronStateStore state,
    CronStatusPublisher status,
    CronMetrics metrics,
    CronLeaderGate leader,
    TriggerHealthReporter health,
    TimeProvider time,
    ILogger<CronScheduler> logger) : ISubscriptionSet<CronPlan>, IDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly ConcurrentDictionary<string, CronJob> _jobs = new(StringComparer.Ordinal);

    // The last run-now value seen per trigger, kept when the trigger goes away: a trigger that
    // vanishes for a moment (a manifest read mid-write, a delete and re-create) and comes back
    // with a new value must still fire it once, not take it for the value present at first sight.
    private readonly ConcurrentDictionary<string, string?> _seenRunNow = new(StringComparer.Ordinal);

    public bool IsLeader => leader.IsLeader;

    /// <summary>Keys of the schedules this replica holds in Quartz right now (tests, diagnostics).</summary>
    public IReadOnlyCollection<string> Keys => [.. _jobs.Where(j => j.Value.Scheduled).Select(j => j.Key)];

    public async Task UpsertAsync(CronPlan plan, CancellationToken cancellationToken)
    {
        var toFire = new List<Func<CancellationToken, Task>>();
        CronJob? job;
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_jobs.TryGetValue(plan.Key, out job))
            {
                var seen = _seenRunNow.TryGetValue(plan.Key, out var value) ? value : plan.RunNow;
                job = new CronJob(plan, health.Track(ResourceKind.CronJobTrigger, plan.Trigger)) { HandledRunNow = state.Get(plan.Trigger)?.RunNow ?? seen };
                _jobs[plan.Key] = job;
            }

            var old = job.Plan;
            job.Plan = plan;
            if (leader.IsLeader && (!job.Scheduled || old.ScheduleRevision != plan.ScheduleRevision))
            {
                await ScheduleLockedAsync(job, toFire, cancellationToken).ConfigureAwait(false);
            }

            _seenRunNow[plan.Key] = plan.RunNow;
            if (plan.RunNow is { Length: > 0 } runNow && runNow != job.HandledRunNow)
            {
                job.HandledRunNow = runNow;
                if (leader.IsLeader)
                {
                    Log.RunNow(logger, plan.Key, runNow);
                    toFire.Add(stopping => FireRunNowAsync(job, plan, runNow, stopping));
                }
            }
        }
        finally
        {
            _lock.Release();
        }

        fires.Start(job, toFire);
    }

    /// <summary>Fires every schedule of a trigger once now (the run endpoint).</summary>
    public async Task<(RunNowOutcome Outcome, int Fired, string Message)> RunNowAsync(ResourceKey trigger, CancellationToken cancellationToken)
    {
        var jobs = _jobs.Values.Where(j => j.Plan.Trigger == trigger).ToList();
        if (jobs.Count == 0)
        {
            return (RunNowOutcome.NotFound, 0, $"CronJobTrigger {trigger} is not scheduled here (unknown, or not Ready: see /status)");
        }

        if (!leader.IsLeader)
        {
            return (RunNowOutcome.Refused, 0, "this replica is not the cron leader");
        }

        var fired = 0;
        foreach (var job in jobs)
        {
            if (await fires.FireNowAsync(job, time.GetUtcNow(), FireKind.RunNow, "api", cancellationToken).ConfigureAwait(false) is not null)
            {
                fired++;
            }
        }

        return fired > 0
            ? (RunNowOutcome.Fired, fired, "")
            : (RunNowOutcome.Refused, 0, "the previous call still runs (concurrencyPolicy Forbid)");
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_jobs.TryRemove(key, out var job))
            {
                await ticker.LeaveAsync(job, cancellationToken).ConfigureAwait(false);
                job.CancelRuns();
                job.Health.Dispose();
                Log.Unscheduled(logger, key);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Shutdown: no tick starts any more; calls in flight finish while shutdown allows, then are cancelled.</summary>
    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        await StepDownAsync(cancellationToken).ConfigureAwait(false);
        var running = _jobs.Values.SelectMany(j => j.Running()).ToList();
        try
        {
            await Task.WhenAll(running).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutdown ran out of time: the calls still running are cancelled below.
        }
        finally
        {
            foreach (var job in _jobs.Values)
            {
                job.CancelRuns();
                job.Health.Dispose();
            }

            _jobs.Clear();
        }
    }

    /// <summary>This replica leads from now on; the reconciler's next full pass schedules every trigger.</summary>
    public void Lead() => leader.Lead();

    /// <summary>Stops every fire at once (any thread, the moment leadership is in doubt); <see cref="StepDownAsync"/> does the rest.</summary>
    public void StepDownNow() => leader.StepDown();

    /// <summary>
    /// Stops firing at once, takes every schedule out of Quartz, and waits (bounded) until the
    /// ticks already recorded are in the status, so the next leader resumes after them.
    /// </summary>
    public async Task StepDownAsync(CancellationToken cancellationToken)
    {
        // Flip first: a tick Quartz is delivering right now must see that this replica no longer leads.
        leader.StepDown();
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ticker.ClearAsync(cancellationToken).ConfigureAwait(false);
            foreach (var job in _jobs.Values)
            {
                job.Scheduled = false;
            }
        }
        finally
        {
            _lock.Release();
        }

        await fires.SettleAsync().ConfigureAwait(false);
    }

    public void Dispose() => _lock.Dispose();

    /// <summary>
    /// The run-now annotation: recorded, then fired once. Nobody waits for an answer to it, so under
    /// concurrencyPolicy Forbid it waits for the calls in flight to end instead of being skipped; it
    /// is dropped only when its trigger goes away (or this replica stops leading) in the meantime.
    /// </summary>
    private async Task FireRunNowAsync(CronJob job, CronPlan plan, string runNow, CancellationToken stopping)
    {
        await state.RecordRunNowAsync(plan.Trigger, runNow, stopping).ConfigureAwait(false);
        while (true)
        {
            while (WouldSkip(job, out var running))
            {
                await Task.WhenAll(running).WaitAsync(stopping).ConfigureAwait(false);
            }

            if (!_jobs.TryGetValue(plan.Key, out var current) || current != job)
            {
                return;
            }

            // Not fired because a scheduled tick started a call between the wait and the fire: wait
            // for that one too. Not fired for any other reason (not leading, a failure): done.
            if (await fires.FireNowAsync(job, time.GetUtcNow(), FireKind.RunNow, runNow, stopping).ConfigureAwait(false) is not null
                || !WouldSkip(job, out _))
            {
                return;
            }
        }
    }

    /// <summary>True when the trigger's concurrency policy would skip a fire now (<see cref="CronDecisions.OnTick"/>); <paramref name="running"/> are the calls in flight.</summary>
    private static bool WouldSkip(CronJob job, out IReadOnlyList<Task> running)
    {
        running = job.Running();
        return CronDecisions.OnTick(job.Plan.Concurrency, running.Count) == RunDecision.Skip;
    }

    private async Task ScheduleLockedAsync(CronJob job, List<Func<CancellationToken, Task>> toFire, CancellationToken cancellationToken)
    {
        var plan = job.Plan;
        job.Scheduled = false;
        await ticker.LeaveAsync(job, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (plan.Suspend)
        {
            job.Scheduled = true;
            Log.Scheduled(logger, plan.Key, plan.Schedule + " (suspended)", null);
            await status.PublishAsync(plan, s => s with { NextScheduleTime = null }, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Resume from the newest tick anyone recorded: this replica, the state file, or the status
        // the previous leader wrote to the API server.
        if (CronDecisions.ResumeAfter(job.LastTick, state.Get(plan.Trigger)?.LastScheduleTime, plan.RecordedLastSchedule) is { } from)
        {
            job.AdvanceTo(from);
            var catchUp = CronDecisions.CatchUp(plan.Schedule, plan.StartingDeadline, from, now);
            if (catchUp.Missed > 0)
            {
                metrics.Missed(plan, catchUp.Missed);
                Log.Missed(logger, plan.Key, catchUp.Missed, from);
            }

            if (catchUp.Fire is { } late)
            {
                // Claimed here, under the lock and before Quartz starts, so a Quartz tick can never race a catch-up.
                job.AdvanceTo(late);
                toFire.Add(stopping =>
                {
                    Log.CatchUp(logger, plan.Key, late, time.GetUtcNow() - late);
                    return fires.FireNowAsync(job, late, FireKind.Late, null, stopping);
                });
            }
        }

        await ticker.JoinAsync(job, now, cancellationToken).ConfigureAwait(false);
        job.Scheduled = true;
        var next = plan.Schedule.NextAfter(now);
        Log.Scheduled(logger, plan.Key, plan.Schedule.ToString(), next);
        await status.PublishAsync(plan, s => s with { NextScheduleTime = next?.UtcDateTime }, cancellationToken).ConfigureAwait(false);
    }
}
