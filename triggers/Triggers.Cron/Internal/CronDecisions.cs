namespace Triggers.Cron.Internal;

/// <summary>
/// The scheduling decisions of the cron worker, as pure functions of the schedule, the spec and the
/// times involved: no clock, no I/O. Everything that fires asks these.
/// </summary>
internal static class CronDecisions
{
    /// <summary>Most missed ticks counted after a long outage (Kubernetes stops counting at 100; counting costs).</summary>
    public const int MissCountLimit = 100_000;

    /// <summary>
    /// How late a tick may be handed over before it is dropped as missed: the in-memory Quartz
    /// store's misfire threshold, which is set to the same value. When the worker cannot keep up, a
    /// tick is counted (<c>triggers.cron.misses</c>) rather than queued ever later.
    /// </summary>
    public static readonly TimeSpan MisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Catch-up as a Kubernetes CronJob does it: of the ticks missed in (<paramref name="from"/>,
    /// <paramref name="now"/>], only the most recent fires, and only when it is no older than
    /// <paramref name="startingDeadline"/> (when one is set); every other missed tick is counted, never fired.
    /// </summary>
    public static CatchUpDecision CatchUp(CronSchedule schedule, TimeSpan? startingDeadline, DateTimeOffset from, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (now <= from || schedule.LatestIn(from, now) is not { } latest)
        {
            return new CatchUpDecision(null, 0);
        }

        var missed = schedule.Between(from, now, MissCountLimit).Count;
        return startingDeadline is { } deadline && now - latest > deadline
            ? new CatchUpDecision(null, missed)
            : new CatchUpDecision(latest, missed - 1);
    }

    /// <summary>The tick to resume after: the newest any record holds (this replica, the state file, the trigger's status).</summary>
    public static DateTimeOffset? ResumeAfter(params DateTimeOffset?[] recorded) =>
        recorded.Max();

    /// <summary>The <c>status.nextScheduleTime</c> to publish after firing <paramref name="scheduled"/> at <paramref name="now"/>.</summary>
    public static DateTimeOffset? NextFire(CronSchedule schedule, bool suspend, DateTimeOffset scheduled, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return suspend ? null : schedule.NextAfter(now > scheduled ? now : scheduled);
    }

    /// <summary>A tick handed over this late was missed: the worker is not keeping up.</summary>
    public static bool IsMisfired(DateTimeOffset scheduled, DateTimeOffset now) => now - scheduled > MisfireThreshold;

    /// <summary><c>spec.concurrencyPolicy</c> applied to a tick that comes while <paramref name="running"/> calls of the schedule still run.</summary>
    public static RunDecision OnTick(ConcurrencyPolicy policy, int running) => (policy, running) switch
    {
        (_, 0) or (ConcurrencyPolicy.Allow, _) => RunDecision.Start,
        (ConcurrencyPolicy.Replace, _) => RunDecision.Replace,
        _ => RunDecision.Skip,
    };
}
