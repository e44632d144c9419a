
namespace Triggers.Core;

/// <summary>Default delivery settings (<c>Triggers:Delivery</c>), overridden per trigger by <c>spec.delivery</c>.</summary>
public sealed class DeliveryOptions
{
    public int MaxAttempts { get; set; } = 5;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-attempt timeout of one POST.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest <c>Retry-After</c> the dispatcher will honour before capping it.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Circuit breaker: failure ratio over the sampling window that opens it.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 20;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest reply body kept (default 1 MiB); a longer one is cut and flagged <c>Triggers-Reply-Truncated: true</c>.</summary>
    public int MaxResponseBodyBytes { get; set; } = 1024 * 1024;
}
