namespace Triggers.Core.Dispatch;

/// <summary>The result of a dispatch: outcome, last status code and response, attempts made.</summary>
public sealed record DispatchResult(
    DispatchOutcome Outcome,
    int? StatusCode,
    ReadOnlyMemory<byte> ResponseBody,
    string? ResponseContentType,
    int Attempts,
    string? Error,
    TimeSpan Elapsed)
{
    public bool IsDelivered => Outcome == DispatchOutcome.Delivered;

    /// <summary>The last failure was the endpoint's open circuit breaker refusing the call: it says nothing about this event.</summary>
    public bool CircuitOpen { get; init; }

    /// <summary>The function's last <c>Retry-After</c>, already capped by <c>Triggers:Delivery:MaxRetryAfter</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The function answered more than <c>Triggers:Delivery:MaxResponseBodyBytes</c>; <see cref="ResponseBody"/> holds the start.</summary>
    public bool ResponseTruncated { get; init; }

    /// <summary>A short reason for logs and dead-letter headers ("HTTP 503", "timeout after 30s", ...).</summary>
    public string Reason => Error ?? (StatusCode is { } s ? $"HTTP {s}" : Outcome.ToString());
}
