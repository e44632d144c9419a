namespace Triggers.Cron.Internal;

/// <summary>The cron-specific headers on every POST of a tick.</summary>
internal static class CronHeaders
{
    /// <summary>The tick's scheduled time (RFC 3339 UTC); the same tick always carries the same value and event id.</summary>
    public const string ScheduledTime = "triggers-scheduled-time";

    /// <summary><c>true</c> on a missed tick fired after a restart or failover.</summary>
    public const string Late = "triggers-late";

    /// <summary>The run-now annotation value (or <c>api</c>) that asked for this fire.</summary>
    public const string RunNow = "triggers-run-now";
}
