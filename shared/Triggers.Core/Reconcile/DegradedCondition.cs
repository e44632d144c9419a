namespace Triggers.Core.Reconcile;

/// <summary>
/// The trigger's <c>Degraded</c> condition: True while handling its events throws unexpectedly on
/// this worker (a bug or an unforeseen failure, not a function's error answer), False again once a
/// later event was handled. Beside <c>Ready</c>, never instead of it: a degraded trigger still runs.
/// </summary>
public sealed record DegradedCondition(bool Degraded, string Reason, string Message, DateTimeOffset LastTransitionTime)
{
    /// <summary>The condition's <c>type</c> in <c>status.conditions</c>.</summary>
    public const string Type = "Degraded";
}
