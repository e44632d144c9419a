namespace Triggers.Core.Dispatch;

/// <summary>Retry and timeout settings of one dispatch, resolved from <c>spec.delivery</c> and configuration.</summary>
public sealed record DeliveryPolicy(int MaxAttempts, TimeSpan InitialBackoff, TimeSpan MaxBackoff, TimeSpan Timeout)
{
    public static DeliveryPolicy Default { get; } = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}
