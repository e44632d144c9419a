using System.Collections.Concurrent;

namespace Triggers.Cron.Internal;

/// <summary>
/// Every schedule with the same Quartz expressions in the same time zone: they share one Quartz
/// job, so Quartz computes and fires each instant once for all of them, however many there are.
/// </summary>
internal sealed class CronScheduleGroup(string key, CronSchedule schedule)
{
    /// <summary>The Quartz job name: the expressions and the time zone.</summary>
    public string Key { get; } = key;

    /// <summary>The schedule of the first member; every member's has the same fire times.</summary>
    public CronSchedule Schedule { get; } = schedule;

    /// <summary>The schedules in the group, by key; read by Quartz threads, changed under the scheduler's gate.</summary>
    public ConcurrentDictionary<string, CronJob> Members { get; } = new(StringComparer.Ordinal);

    public static string KeyOf(CronSchedule schedule) =>
        string.Join(" | ", schedule.Expressions.Select(e => e.CronExpressionString)) + " @ " + schedule.TimeZone.Id;
}
