namespace Triggers.Cron.Internal;

/// <summary>What the worker remembers of one trigger between restarts: its last tick and the last run-now value it handled.</summary>
internal sealed record CronTriggerState(DateTimeOffset? LastScheduleTime, string? RunNow);
