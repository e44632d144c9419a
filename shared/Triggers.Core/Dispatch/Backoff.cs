namespace Triggers.Core.Dispatch;

/// <summary>
/// The one backoff of the product: exponential with jitter, and waits on a <see cref="TimeProvider"/>
/// so tests can drive them. Every retry loop (dispatch attempts, redelivery, reconnects, watches)
/// computes its delay with <see cref="Next(TimeSpan, TimeSpan, int)"/> and waits with <see cref="DelayAsync"/>.
/// </summary>
public static class Backoff
{
    /// <summary>
    /// Longest single wait: <see cref="Task.Delay(TimeSpan, TimeProvider, CancellationToken)"/> and
    /// <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> throw past about 49.7 days; no
    /// wait of ours needs more than a day.
    /// </summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(1);

    /// <summary>The delay before retry number <paramref name="attempt"/> (0-based): initial x 2^attempt, capped, with +/-20% jitter.</summary>
    public static TimeSpan Next(DeliveryPolicy policy, int attempt) => Next(policy.InitialBackoff, policy.MaxBackoff, attempt);

    /// <inheritdoc cref="Next(DeliveryPolicy, int)"/>
    public static TimeSpan Next(TimeSpan initial, TimeSpan max, int attempt)
    {
        max = Clamp(max < initial ? initial : max);
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds));
    }

    /// <summary>Bounds a delay to [0, <see cref="MaxDelay"/>], so no timer API can throw on it.</summary>
    public static TimeSpan Clamp(TimeSpan delay) => delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxDelay ? MaxDelay : delay;

    /// <summary>Waits <paramref name="delay"/> (clamped) on <paramref name="time"/>.</summary>
    public static Task DelayAsync(TimeSpan delay, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(Clamp(delay), time, cancellationToken);
}
