namespace Triggers.Cron.Internal;

/// <summary>What a schedule does after time passed without a leader: at most one late fire, the rest missed.</summary>
internal readonly record struct CatchUpDecision(DateTimeOffset? Fire, int Missed);
