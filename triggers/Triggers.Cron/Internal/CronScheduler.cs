using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Quartz;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Cron.Internal;

/// <summary>How a run-now request ended.</summary>
internal enum RunNowOutcome
{
    Fired,
    NotFound,
    Refused,
}

/// <summary>
/// The running schedules of the cron worker: the subscription set the reconciler drives. It always
/// knows every wanted schedule, but only the leader has them in Quartz; losing leadership clears
/// Quartz in one call, gaining it schedules everything again from the last recorded tick.
/// Schedules with the same expressions and time zone share one Quartz job (a
/// <see cref="CronScheduleGroup"/>): one Quartz firing hands the tick of every member to the fire loop.
/// </summary>
internal sealed partial class CronScheduler(
    IEventDispatcher dispatcher,
    TriggerStatusStore statusStore,
    ITriggerStatusWriter statusWriter,
    ResourceCache cache,
    CronStateStore state,
    CronMetrics metrics,
    IOptions<CronOptions> options,
    TimeProvider time,
    IHostApplicationLifetime lifetime,
    ILogger<CronScheduler> logger) : ISubscriptionSet<CronPlan>, ILeadershipTarget, IAsyncDisposable
{
    public const string JobGroup = "cron";
    public const string ScheduledTimeHeader = "triggers-scheduled-time";
    public const string LateHeader = "triggers-late";
    public const string RunNowHeader = "triggers-run-now";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly ConcurrentDictionary<ResourceKey, SemaphoreSlim> _statusGates = new();
    private readonly ConcurrentDictionary<string, CronJob> _jobs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CronScheduleGroup> _groups = new(StringComparer.Ordinal);

    // The last run-now value seen per trigger, kept when the trigger goes away: a trigger that
    // vanishes for a moment (a manifest read mid-write, a delete and re-create) and comes back
    // with a new value must still fire it once, not take it for the value present at first sight.
    private readonly ConcurrentDictionary<string, string?> _seenRunNow = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private StandaloneSchedulerFactory? _factory;
    private IScheduler? _scheduler;
    private volatile bool _leader;
    private int _disposed;
    private CancellationTokenRegistration? _stoppingRegistration;

    public bool IsLeader => _leader;

    /// <summary>Keys of the schedules this replica holds in Quartz right now (tests, diagnostics).</summary>
    public IReadOnlyCollection<string> Keys => [.. _jobs.Keys];

    public async Task UpsertAsync(CronPlan plan, CancellationToken cancellationToken)
    {
        var fires = new List<Func<Task>>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_jobs.TryGetValue(plan.Key, out var job))
            {
                var old = job.Plan;
                job.Plan = plan;
                if (old.ScheduleRevision != plan.ScheduleRevision && _leader)
                {
                    await ScheduleLockedAsync(job, fires, cancellationToken).ConfigureAwait(false);
                }
            }
            else
            {
                job = new CronJob(plan) { HandledRunNow = state.Get(plan.Trigger)?.RunNow ?? (_seenRunNow.TryGetValue(plan.Key, out var seen) ? seen : plan.RunNow) };
                _jobs[plan.Key] = job;
                if (_leader)
                {
                    await ScheduleLockedAsync(job, fires, cancellationToken).ConfigureAwait(false);
                }
            }

            _seenRunNow[plan.Key] = plan.RunNow;
            if (plan.RunNow is { Length: > 0 } value && value != job.HandledRunNow)
            {
                job.HandledRunNow = value;
                if (_leader)
                {
                    Log.RunNow(logger, plan.Key, value);
                    var runNowJob = job;
                    fires.Add(async () =>
                    {
                        await state.RecordRunNowAsync(plan.Trigger, value, _stopping.Token).ConfigureAwait(false);
                        await FireAsync(runNowJob, time.GetUtcNow(), FireKind.RunNow, value, _stopping.Token).ConfigureAwait(false);
                    });
                }
            }
        }
        finally
        {
            _gate.Release();
        }

        await RunFiresAsync(fires).ConfigureAwait(false);
    }

    /// <summary>Fires every schedule of a trigger once now (the run endpoint).</summary>
    public async Task<(RunNowOutcome Outcome, int Fired, string Message)> RunNowAsync(ResourceKey trigger, CancellationToken cancellationToken)
    {
        var jobs = _jobs.Values.Where(j => j.Plan.Trigger == trigger).ToList();
        if (jobs.Count == 0)
        {
            return (RunNowOutcome.NotFound, 0, $"CronJobTrigger {trigger} is not scheduled here (unknown, or not Ready: see /status)");
        }

        if (!_leader)
        {
            return (RunNowOutcome.Refused, 0, "this replica is not the cron leader");
        }

        var fired = 0;
        foreach (var job in jobs)
        {
            if (await FireAsync(job, time.GetUtcNow(), FireKind.RunNow, "api", cancellationToken).ConfigureAwait(false) is not null)
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
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_jobs.TryRemove(key, out var job))
            {
                return;
            }

            await LeaveGroupLockedAsync(job, cancellationToken).ConfigureAwait(false);
            job.CancelRuns();
            Log.Unscheduled(logger, key);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        _leader = false;
        List<Task> running;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_scheduler is { } scheduler)
            {
                await scheduler.Clear(cancellationToken).ConfigureAwait(false);
            }

            ClearGroupsLocked();

            running = [.. _jobs.Values.SelectMany(j => j.Running())];
        }
        finally
        {
            _gate.Release();
        }

        // Ticks already recorded are delivered: let calls in flight finish while shutdown allows, then cancel them.
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
            }

            _jobs.Clear();
        }
    }

    public void StepDown() => _leader = false;

    public async Task ElectedAsync(CancellationToken cancellationToken)
    {
        var fires = new List<Func<Task>>();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return;
            }

            // No tick may start once shutdown has begun, however long the rest of the shutdown takes.
            _stoppingRegistration ??= lifetime.ApplicationStopping.Register(StepDown);
            _leader = true;
            foreach (var job in _jobs.Values)
            {
                await ScheduleLockedAsync(job, fires, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }

        await RunFiresAsync(fires).ConfigureAwait(false);
    }

    public async Task DemotedAsync(CancellationToken cancellationToken)
    {
        // Flip first: a tick Quartz is delivering right now must see that this replica no longer leads.
        _leader = false;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_scheduler is { } scheduler)
            {
                await scheduler.Clear(cancellationToken).ConfigureAwait(false);
            }

            ClearGroupsLocked();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container may hold this instance under two service types and dispose it twice.
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _leader = false;
        if (_stoppingRegistration is { } registration)
        {
            await registration.DisposeAsync().ConfigureAwait(false);
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_scheduler is { } scheduler)
        {
            await scheduler.Shutdown(waitForJobsToComplete: false, CancellationToken.None).ConfigureAwait(false);
        }

        if (_factory is { } factory)
        {
            await factory.DisposeAsync().ConfigureAwait(false);
        }

        _pending.Writer.TryComplete();
        if (_fireLoop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
        _gate.Dispose();
        foreach (var gate in _statusGates.Values)
        {
            gate.Dispose();
        }
    }

    /// <summary>Starts the fires decided under the gate (run-now, catch-up) without holding the reconciler up while they run.</summary>
    private Task RunFiresAsync(List<Func<Task>> fires)
    {
        foreach (var fire in fires)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await fire().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    Log.TickFailed(logger, "catch-up", e);
                }
            }, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task ScheduleLockedAsync(CronJob job, List<Func<Task>> fires, CancellationToken cancellationToken)
    {
        var scheduler = await EnsureSchedulerAsync(cancellationToken).ConfigureAwait(false);
        var plan = job.Plan;
        await LeaveGroupLockedAsync(job, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        if (plan.Suspend)
        {
            Log.Scheduled(logger, plan.Key, plan.Schedule + " (suspended)", null);
            await PublishAsync(plan, s => s with { NextScheduleTime = null }, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Resume from the newest tick anyone recorded: this replica, the state file, or the status
        // the previous leader wrote to the API server.
        var resume = Max(job.LastTick, Max(state.Get(plan.Trigger)?.LastScheduleTime, ObservedLastSchedule(plan.Trigger)));
        job.AdvanceTo(resume);
        if (resume is { } from && CatchUp(plan, from, now) is { Count: > 0 } late)
        {
            // Claimed here, under the gate and before Quartz starts, so a Quartz tick can never race a catch-up.
            job.AdvanceTo(late[^1]);
            fires.Add(async () =>
            {
                foreach (var tick in late)
                {
                    Log.CatchUp(logger, plan.Key, tick, time.GetUtcNow() - tick);
                    var run = await FireAsync(job, tick, FireKind.Late, null, _stopping.Token).ConfigureAwait(false);

                    // Forbid and Replace run missed ticks one after another rather than skipping or cancelling them.
                    if (run is not null && plan.Concurrency != ConcurrencyPolicy.Allow)
                    {
                        await run.Completion.WaitAsync(_stopping.Token).ConfigureAwait(false);
                    }
                }
            });
        }

        await JoinGroupLockedAsync(scheduler, job, plan, now, cancellationToken).ConfigureAwait(false);
        var next = plan.Schedule.NextAfter(now);
        Log.Scheduled(logger, plan.Key, plan.Schedule.ToString(), next);
        await PublishAsync(plan, s => s with { NextScheduleTime = next?.UtcDateTime }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a schedule to the group of its expressions and time zone, scheduling the group's Quartz
    /// job when it is the first member. The schedule takes the group's ticks from <paramref name="now"/> on,
    /// as a Quartz trigger of its own starting now would.
    /// </summary>
    private async Task JoinGroupLockedAsync(IScheduler scheduler, CronJob job, CronPlan plan, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var key = CronScheduleGroup.KeyOf(plan.Schedule);
        job.JoinedAt = now;
        if (_groups.TryGetValue(key, out var group))
        {
            group.Members[plan.Key] = job;
            job.Group = group;
            return;
        }

        // Members first, then the group, then Quartz: a tick Quartz fires finds everyone who joined before it.
        group = new CronScheduleGroup(key, plan.Schedule);
        group.Members[plan.Key] = job;
        job.Group = group;
        _groups[key] = group;
        try
        {
            var jobKey = new JobKey(key, JobGroup);
            var detail = JobBuilder.Create<CronTickJob>().WithIdentity(jobKey).Build();
            var triggers = plan.Schedule.Expressions.Select((expression, i) => TriggerBuilder.Create(time)
                .WithIdentity($"{key}#{i}", JobGroup)
                .ForJob(jobKey)
                .StartAt(now)
                .WithSchedule(CronScheduleBuilder.Create(expression)
                    .InTimeZone(plan.Schedule.TimeZone)
                    .WithMisfireInstruction(CronTriggerMisfireInstruction.DoNothing))
                .Build()).ToList();
            await scheduler.ScheduleJob(detail, triggers, ScheduleJobOptions.Replacing, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _groups.TryRemove(key, out _);
            job.Group = null;
            throw;
        }
    }

    /// <summary>Takes a schedule out of its group; the last member to leave deletes the group's Quartz job.</summary>
    private async Task LeaveGroupLockedAsync(CronJob job, CancellationToken cancellationToken)
    {
        if (job.Group is not { } group)
        {
            return;
        }

        group.Members.TryRemove(new KeyValuePair<string, CronJob>(job.Plan.Key, job));
        job.Group = null;
        if (group.Members.IsEmpty && _groups.TryRemove(new KeyValuePair<string, CronScheduleGroup>(group.Key, group)) && _scheduler is { } scheduler)
        {
            await scheduler.DeleteJob(new JobKey(group.Key, JobGroup), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After Quartz was cleared: no schedule is in a group any more.</summary>
    private void ClearGroupsLocked()
    {
        foreach (var group in _groups.Values)
        {
            foreach (var job in group.Members.Values)
            {
                job.Group = null;
            }
        }

        _groups.Clear();
    }

    /// <summary>
    /// The missed ticks in (<paramref name="from"/>, <paramref name="now"/>] to fire late: with
    /// <c>spec.startingDeadlineSeconds</c>, every one inside the deadline (at most
    /// <c>Cron:MaxMissedTicks</c>, the newest); without it, only the latest, as Kubernetes CronJobs do.
    /// The others are counted as missed.
    /// </summary>
    private List<DateTimeOffset> CatchUp(CronPlan plan, DateTimeOffset from, DateTimeOffset now)
    {
        const int CountLimit = 100_000;
        List<DateTimeOffset> late;
        if (plan.StartingDeadline is { } deadline)
        {
            var windowStart = now - deadline > from ? now - deadline : from;
            late = [.. plan.Schedule.Between(windowStart, now, CountLimit).TakeLast(options.Value.MaxMissedTicks)];
        }
        else
        {
            late = plan.Schedule.LatestIn(from, now) is { } latest ? [latest] : [];
        }

        var missed = plan.Schedule.Between(from, now, CountLimit).Count - late.Count;
        if (missed > 0)
        {
            metrics.Missed(plan, missed);
            Log.Missed(logger, plan.Key, missed, from);
        }

        return late;
    }

    private DateTimeOffset? ObservedLastSchedule(ResourceKey trigger) =>
        cache.Snapshot().Get<CronJobTrigger>(ResourceKind.CronJobTrigger, trigger)?.Status?.LastScheduleTime is { } t
            ? new DateTimeOffset(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc))
            : null;

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    private async Task<IScheduler> EnsureSchedulerAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is { } existing)
        {
            return existing;
        }

        StartFireLoop();

        // Quartz keeps schedulers by name per container; a unique name lets several workers share a process (tests, local runner).
        // A Quartz job only hands its tick to the fire loop and returns, so one pass of the scheduler
        // thread can take every trigger due at the same instant (the fire-ahead window stays zero:
        // nothing fires early), and the pool only bounds how many hand-overs run at once.
        _factory = QuartzSchedulerBuilder.Create(q => q
            .ConfigureScheduler(o =>
            {
                o.InstanceName = "triggers-cron-" + Guid.NewGuid().ToString("N");
                o.MaxBatchSize = QuartzBatchSize;
                o.BatchTriggerAcquisitionFireAheadTimeWindow = TimeSpan.Zero;
            })
            .UseInMemoryStore(o => o.MisfireThreshold = MisfireThreshold)
            .UseDefaultThreadPool(maxConcurrency: QuartzBatchSize)
            .UseJobFactory(new CronTickJobFactory(this))
            .UseTimeProvider(time)).Build();
        var scheduler = await _factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.Start(cancellationToken).ConfigureAwait(false);
        _scheduler = scheduler;
        return scheduler;
    }
}
