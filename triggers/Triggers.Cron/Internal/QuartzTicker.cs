using System.Collections.Concurrent;
using Quartz;

namespace Triggers.Cron.Internal;

/// <summary>
/// The Quartz side of the cron worker: schedules with the same expressions and time zone share one
/// Quartz job (a <see cref="CronScheduleGroup"/>), and each firing hands the tick of every member
/// to the fire loop. Changed only under the scheduler's lock; read by Quartz threads.
/// </summary>
internal sealed class QuartzTicker(CronFireLoop fires, CronLeaderGate leader, TimeProvider time) : IAsyncDisposable
{
    public const string JobGroup = "cron";

    /// <summary>Quartz triggers (one per schedule group and expression) acquired and fired in one pass of Quartz's scheduler thread: all that are due at the same instant, up to this many.</summary>
    internal const int QuartzBatchSize = 256;

    private readonly ConcurrentDictionary<string, CronScheduleGroup> _groups = new(StringComparer.Ordinal);
    private StandaloneSchedulerFactory? _factory;
    private IScheduler? _scheduler;

    /// <summary>
    /// Adds a schedule to the group of its expressions and time zone, scheduling the group's Quartz
    /// job when it is the first member. The schedule takes the group's ticks from <paramref name="now"/> on,
    /// as a Quartz trigger of its own starting now would.
    /// </summary>
    public async Task JoinAsync(CronJob job, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var scheduler = await EnsureSchedulerAsync(cancellationToken).ConfigureAwait(false);
        var plan = job.Plan;
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
    public async Task LeaveAsync(CronJob job, CancellationToken cancellationToken)
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

    /// <summary>Removes every schedule from Quartz in one call (lost leadership, shutdown).</summary>
    public async Task ClearAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is { } scheduler)
        {
            await scheduler.Clear(cancellationToken).ConfigureAwait(false);
        }

        foreach (var group in _groups.Values)
        {
            foreach (var job in group.Members.Values)
            {
                job.Group = null;
            }
        }

        _groups.Clear();
    }

    /// <summary>Called by Quartz for every firing of a group: only hands the tick of its members to the fire loop, as one item.</summary>
    public ValueTask OnTickAsync(string groupKey, DateTimeOffset scheduled, CancellationToken cancellationToken)
    {
        if (!leader.IsLeader || !_groups.TryGetValue(groupKey, out var group))
        {
            return ValueTask.CompletedTask;
        }

        // Joined after this instant: the tick belongs to the schedules that were there.
        var members = group.Members.Values.Where(job => scheduled >= job.JoinedAt).ToArray();
        return members.Length == 0 ? ValueTask.CompletedTask : fires.EnqueueAsync(new PendingTick(group, scheduled, members), cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_scheduler is { } scheduler)
        {
            await scheduler.Shutdown(waitForJobsToComplete: false, CancellationToken.None).ConfigureAwait(false);
        }

        if (_factory is { } factory)
        {
            await factory.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<IScheduler> EnsureSchedulerAsync(CancellationToken cancellationToken)
    {
        if (_scheduler is { } existing)
        {
            return existing;
        }

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
            .UseInMemoryStore(o => o.MisfireThreshold = CronDecisions.MisfireThreshold)
            .UseDefaultThreadPool(maxConcurrency: QuartzBatchSize)
            .UseJobFactory(new CronTickJobFactory(this))
            .UseTimeProvider(time)).Build();
        var scheduler = await _factory.GetScheduler(cancellationToken).ConfigureAwait(false);
        await scheduler.Start(cancellationToken).ConfigureAwait(false);
        _scheduler = scheduler;
        return scheduler;
    }
}
