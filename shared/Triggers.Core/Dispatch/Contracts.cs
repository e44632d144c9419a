namespace Triggers.Core.Dispatch;

/// <summary>One event on its way to a function: the body as it came and what the headers are built from.</summary>
public sealed class TriggerEvent
{
    /// <summary>The raw message body, forwarded byte for byte.</summary>
    public ReadOnlyMemory<byte> Body { get; init; }

    /// <summary>The message's own content type, if it carried one; otherwise the dispatcher infers it.</summary>
    public string? ContentType { get; init; }

    /// <summary>Unique id of the event (<c>event-id</c>, <c>ce-id</c>); the same across retries of one dispatch.</summary>
    public required string Id { get; init; }

    /// <summary>When the event happened (<c>event-time</c>, <c>ce-time</c>).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>Kubeless event namespace, e.g. <c>natstriggers.kubeless.io</c>.</summary>
    public required string EventNamespace { get; init; }

    /// <summary>Subject or topic the event came from (<c>event-topic</c>, <c>ce-subject</c>).</summary>
    public required string Topic { get; init; }

    /// <summary>CloudEvents <c>ce-source</c>: a URI reference naming the trigger.</summary>
    public required string Source { get; init; }

    /// <summary>CloudEvents <c>ce-type</c>.</summary>
    public required string Type { get; init; }

    /// <summary>Headers of the source message to forward (NATS headers, Kafka record headers, extras).</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>W3C trace context of the source message, when it carried one; the dispatch span becomes its child.</summary>
    public string? TraceParent { get; init; }

    public string? TraceState { get; init; }
}

/// <summary>Where one function answers.</summary>
public sealed record FunctionEndpoint(string Namespace, string Name, Uri Url)
{
    public override string ToString() => $"{Namespace}/{Name} ({Url})";
}

/// <summary>Retry and timeout settings of one dispatch, resolved from <c>spec.delivery</c> and configuration.</summary>
public sealed record DeliveryPolicy(int MaxAttempts, TimeSpan InitialBackoff, TimeSpan MaxBackoff, TimeSpan Timeout)
{
    public static DeliveryPolicy Default { get; } = new(5, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30));
}

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

/// <summary>POSTs events to functions with the contract's headers and resilience.</summary>
public interface IEventDispatcher
{
    ValueTask<DispatchResult> DispatchAsync(TriggerEvent triggerEvent, FunctionEndpoint target, DeliveryPolicy policy, CancellationToken cancellationToken);
}
