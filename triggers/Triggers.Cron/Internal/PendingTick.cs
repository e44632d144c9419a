namespace Triggers.Cron.Internal;

/// <summary>One firing of a group: the tick of every schedule that was in it, handed over as one item.</summary>
internal sealed record PendingTick(CronScheduleGroup Group, DateTimeOffset Scheduled, CronJob[] Members);
