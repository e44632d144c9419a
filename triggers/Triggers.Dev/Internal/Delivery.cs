namespace Triggers.Dev.Internal;

/// <summary>One finished dispatch as the local runner reports it.</summary>
internal sealed record Delivery(DateTimeOffset At, string Kind, string Trigger, string Function, string Outcome, int? Status, int Attempts, TimeSpan Latency, string? Error);
