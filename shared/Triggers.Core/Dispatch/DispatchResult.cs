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

    /// <summary>The endpoint's open circuit breaker refused every try of this dispatch, so the function never saw the event: it says nothing about it. A dispatch whose tries reached the function before the breaker refused the rest is an ordinary failure.</summary>
    public bool CircuitOpen { get; init; }

    /// <summary>The function's last <c>Retry-After</c>, already capped by <c>Triggers:Delivery:MaxRetryAfter</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>The function answered more than <c>Triggers:Delivery:MaxResponseBodyBytes</c>; <see cref="ResponseBody"/> holds the start.</summary>
    public bool ResponseTruncated { get; init; }

    /// <summary>A short reason for logs and dead-letter headers ("HTTP 503", "timeout after 30s", ...).</summary>
    public string Reason => Error ?? (StatusCode is { } s ? $"HTTP {s}" : Outcome.ToString());
}
