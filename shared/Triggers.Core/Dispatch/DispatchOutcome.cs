namespace Triggers.Core.Dispatch;

/// <summary>How a dispatch ended.</summary>
public enum DispatchOutcome
{
    /// <summary>The function answered 2xx.</summary>
    Delivered,

    /// <summary>Every attempt failed with a retryable error (408, 429, 5xx, timeout, connection error, open breaker).</summary>
    Retryable,

    /// <summary>The function rejected the event (4xx other than 408/429): retrying will not help.</summary>
    Poison,
}
