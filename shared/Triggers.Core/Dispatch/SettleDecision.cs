namespace Triggers.Core.Dispatch;

/// <summary>
/// The decision for one event: how to settle it, and for <see cref="Settlement.Retry"/> how long to
/// wait first. <see cref="CountsAsAttempt"/> is false when the failure says nothing about the event
/// (an open circuit breaker refused the call): such a try does not bring the dead letter nearer.
/// </summary>
public readonly record struct SettleDecision(Settlement Action, TimeSpan Delay, bool CountsAsAttempt = true)
{
    public static SettleDecision Acknowledge { get; } = new(Settlement.Acknowledge, TimeSpan.Zero);

    public static SettleDecision DeadLetter { get; } = new(Settlement.DeadLetter, TimeSpan.Zero);

    public static SettleDecision Skip { get; } = new(Settlement.Skip, TimeSpan.Zero);
}
