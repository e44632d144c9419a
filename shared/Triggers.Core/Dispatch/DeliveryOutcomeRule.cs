using Microsoft.Extensions.Options;

namespace Triggers.Core.Dispatch;

/// <summary>
/// The one delivery-outcome rule every worker settles its events by. After each dispatch a worker
/// calls <see cref="Decide"/> and does what the <see cref="SettleDecision"/> says:
/// <list type="bullet">
/// <item>2xx → <see cref="Settlement.Acknowledge"/>.</item>
/// <item>Poison (a 4xx other than 408/429) → <see cref="Settlement.DeadLetter"/> when the trigger names a
/// dead-letter target, else <see cref="Settlement.Skip"/> (counted and logged).</item>
/// <item>Retryable on a <see cref="SourceDurability.Durable"/> source → <see cref="Settlement.Retry"/>
/// with capped backoff (the function's Retry-After wins) until delivered when there is no dead-letter
/// target; with one, <see cref="Settlement.DeadLetter"/> once <c>maxAttempts</c> counted attempts failed.
/// An open circuit breaker never counts as an attempt.</item>
/// <item>Retryable on a <see cref="SourceDurability.Transient"/> source (the dispatcher already made
/// <c>maxAttempts</c> attempts in process) → dead letter, else skip.</item>
/// </list>
/// A dead letter must be acknowledged by its target (JetStream publish ack, Kafka acks=all) before the
/// source is settled; when writing it fails, <see cref="AfterDeadLetterFailed"/> says what to do
/// (durable: retry the event; transient: nothing is left to hold it, skip and count).
/// Metric tags, dead-letter headers and condition reasons of every worker come from the same place:
/// <see cref="Hosting.TriggerMetrics.Tags(string, Resources.ResourceKey, FunctionEndpoint)"/>,
/// <see cref="DeadLetterHeaders"/> and <see cref="Reconcile.ConditionReasons"/>.
/// </summary>
public sealed class DeliveryOutcomeRule(IOptions<TriggersOptions> options)
{
    /// <summary>Decides how to settle an event after a dispatch.</summary>
    /// <param name="result">The dispatch that just ended.</param>
    /// <param name="policy">The trigger's delivery policy.</param>
    /// <param name="durability">Whether the source can hold the event for another try.</param>
    /// <param name="hasDeadLetterTarget">The trigger names a dead-letter subject or topic.</param>
    /// <param name="attempts">Counted attempts of this event so far, this dispatch included (1 after the first).</param>
    /// <param name="maxBackoff">Cap of the redelivery backoff; defaults to the policy's <c>backoff.max</c>.</param>
    public SettleDecision Decide(DispatchResult result, DeliveryPolicy policy, SourceDurability durability, bool hasDeadLetterTarget, int attempts, TimeSpan? maxBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        switch (result.Outcome)
        {
            case DispatchOutcome.Delivered:
                return SettleDecision.Acknowledge;
            case DispatchOutcome.Poison:
                return hasDeadLetterTarget ? SettleDecision.DeadLetter : SettleDecision.Skip;
        }

        if (durability == SourceDurability.Transient)
        {
            return hasDeadLetterTarget ? SettleDecision.DeadLetter : SettleDecision.Skip;
        }

        var delay = RetryDelay(result, policy, Math.Max(0, attempts - 1), maxBackoff);
        if (result.CircuitOpen)
        {
            return new SettleDecision(Settlement.Retry, delay, CountsAsAttempt: false);
        }

        return hasDeadLetterTarget && attempts >= policy.MaxAttempts
            ? SettleDecision.DeadLetter
            : new SettleDecision(Settlement.Retry, delay);
    }

    /// <summary>
    /// Writing the dead letter failed (or was not acknowledged). A durable source keeps the event and
    /// tries it again, dead letter and all, after a backoff; a transient one cannot and skips it.
    /// </summary>
    /// <param name="policy">The trigger's delivery policy.</param>
    /// <param name="durability">Whether the source can hold the event for another try.</param>
    /// <param name="failures">Consecutive failed dead-letter writes of this event (1 after the first).</param>
    /// <param name="maxBackoff">Cap of the backoff; defaults to the policy's <c>backoff.max</c>.</param>
    public SettleDecision AfterDeadLetterFailed(DeliveryPolicy policy, SourceDurability durability, int failures, TimeSpan? maxBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return durability == SourceDurability.Durable
            ? new SettleDecision(Settlement.Retry, Backoff.Next(policy.InitialBackoff, maxBackoff ?? policy.MaxBackoff, Math.Max(0, failures - 1)), CountsAsAttempt: false)
            : SettleDecision.Skip;
    }

    /// <summary>The wait before retry number <paramref name="round"/> (0-based): the function's Retry-After if it sent one, else the backoff.</summary>
    public TimeSpan RetryDelay(DispatchResult result, DeliveryPolicy policy, int round, TimeSpan? maxBackoff = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(policy);
        if (result.RetryAfter is { } retryAfter)
        {
            var cap = options.Value.Delivery.MaxRetryAfter;
            return Backoff.Clamp(retryAfter > cap ? cap : retryAfter);
        }

        return Backoff.Next(policy.InitialBackoff, maxBackoff ?? policy.MaxBackoff, round);
    }
}
