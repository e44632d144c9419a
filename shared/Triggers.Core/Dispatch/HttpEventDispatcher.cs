using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Triggers.Core.Dispatch;

/// <summary>
/// POSTs an event to a function through the handler chain of the named client
/// <see cref="ClientName"/>: its <c>DeliveryHandler</c> (retry with backoff and jitter honouring
/// Retry-After, a circuit breaker per endpoint, a per-attempt timeout) reads this dispatch's
/// <see cref="DeliveryPolicy"/> from the request.
/// </summary>
public sealed partial class HttpEventDispatcher(
    IHttpMessageHandlerFactory handlerFactory,
    IOptions<TriggersOptions> options,
    TimeProvider time,
    ILogger<HttpEventDispatcher> logger) : IEventDispatcher
{
    private HttpMessageInvoker? _invoker;

    public const string ClientName = "triggers-dispatch";

    /// <summary>Spans of every dispatch; the HTTP client span (and its traceparent) is their child.</summary>
    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);

    public const string ActivitySourceName = "Triggers.Dispatch";

    /// <summary>Sent on every POST (Kubeless' Kafka controller sent one too).</summary>
    public const string UserAgent = "triggers/1.0";

    public async ValueTask<DispatchResult> DispatchAsync(TriggerEvent triggerEvent, FunctionEndpoint target, DeliveryPolicy policy, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var activity = StartActivity(triggerEvent, target);
        using var request = new DispatchRequest(target.Url, policy);
        try
        {
            var content = new ReadOnlyMemoryContent(triggerEvent.Body);
            request.Content = content;

            // Set, not computed: the handler reads it on every send, and a computed length goes
            // through the header store's parse-and-lock path.
            content.Headers.ContentLength = triggerEvent.Body.Length;
            EventHeaders.Apply(triggerEvent, request.Headers, content.Headers);
            request.Headers.TryAddWithoutValidation("User-Agent", UserAgent);
            if (activity is null)
            {
                AddTraceContext(triggerEvent, request.Headers);
            }

            using var response = await Invoker.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.ResponseBody is null)
            {
                // Only a client without the DeliveryHandler (a test's) gets here with the body unread.
                (var unread, request.ResponseTruncated) = await ResponseBodyReader.ReadAsync(response.Content, options.Value.Delivery.MaxResponseBodyBytes, cancellationToken).ConfigureAwait(false);
                request.ResponseBody = unread;
            }

            var status = (int)response.StatusCode;
            var outcome = Classify(response.StatusCode);
            var retryAfter = outcome == DispatchOutcome.Retryable ? DeliveryHandler.RetryAfter(response, time) : null;
            var maxRetryAfter = options.Value.Delivery.MaxRetryAfter;
            var result = new DispatchResult(outcome, status, request.ResponseBody.Value, response.Content.Headers.ContentType?.ToString(), Math.Max(request.Attempts, 1), null, time.GetElapsedTime(started))
            {
                ResponseTruncated = request.ResponseTruncated,
                RetryAfter = retryAfter > maxRetryAfter ? maxRetryAfter : retryAfter,
            };
            if (result.ResponseTruncated)
            {
                LogReplyTruncated(logger, target.Namespace, target.Name, options.Value.Delivery.MaxResponseBodyBytes);
            }

            activity?.SetTag("http.response.status_code", status);
            activity?.SetTag("triggers.outcome", outcome.ToString());
            activity?.SetTag("triggers.attempts", result.Attempts);
            if (outcome != DispatchOutcome.Delivered)
            {
                activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
            }

            return result;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "cancelled");
            throw;
        }
        catch (Exception e) when (Describe(e, policy) is { } reason)
        {
            activity?.SetStatus(ActivityStatusCode.Error, reason);
            activity?.SetTag("triggers.outcome", nameof(DispatchOutcome.Retryable));
            activity?.SetTag("triggers.attempts", Math.Max(request.Attempts, 1));
            LogAttemptsFailed(logger, target.Namespace, target.Name, Math.Max(request.Attempts, 1), reason);
            return new DispatchResult(DispatchOutcome.Retryable, request.LastStatus, ReadOnlyMemory<byte>.Empty, null, Math.Max(request.Attempts, 1), reason, time.GetElapsedTime(started))
            {
                // Only when the breaker refused every try: attempts the function did fail in this
                // dispatch count, or a function that always fails (and so keeps its breaker open
                // after each trial) would never exhaust a record's attempts.
                CircuitOpen = e is CircuitOpenException && request.Attempts == 0,
            };
        }
    }

    /// <summary>
    /// The handler chain, sent to directly: an <see cref="HttpClient"/> per event (what
    /// <c>CreateClient</c> returns) added an object, an options lookup and a linked cancellation
    /// source to every POST, for a timeout and a base address the dispatcher never uses. The chain's
    /// lifetime is infinite (<see cref="DispatcherRegistration"/>), so one invoker serves for ever;
    /// the handler streams the answer (the <c>DeliveryHandler</c> reads its body, bounded).
    /// </summary>
    private HttpMessageInvoker Invoker => _invoker ??= new HttpMessageInvoker(handlerFactory.CreateHandler(ClientName), disposeHandler: false);

    /// <summary>2xx delivers; 408, 429 and 5xx are worth retrying; anything else will fail the same way again.</summary>
    public static DispatchOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => DispatchOutcome.Delivered,
        408 or 429 or >= 500 => DispatchOutcome.Retryable,
        _ => DispatchOutcome.Poison,
    };

    private static string? Describe(Exception e, DeliveryPolicy policy) => e switch
    {
        AttemptTimeoutException => $"timeout after {policy.Timeout}",
        CircuitOpenException => "circuit open: the function failed too often recently",
        HttpRequestException h => $"connection error: {h.HttpRequestError} {h.Message}",
        IOException io => $"connection error: {io.Message}",
        OperationCanceledException => $"timeout after {policy.Timeout}",
        _ => null,
    };

    /// <summary>A span per dispatch when someone records spans (an exporter, the local runner); otherwise none.</summary>
    private static Activity? StartActivity(TriggerEvent e, FunctionEndpoint target)
    {
        if (!ActivitySource.HasListeners())
        {
            return null;
        }

        ActivityContext.TryParse(e.TraceParent, e.TraceState, isRemote: true, out var parent);
        var activity = ActivitySource.StartActivity($"dispatch {target.Namespace}/{target.Name}", ActivityKind.Producer, parent);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("messaging.destination.name", e.Topic);
            activity.SetTag("triggers.source", e.Source);
            activity.SetTag("triggers.event_namespace", e.EventNamespace);
            activity.SetTag("messaging.message.id", e.Id);
            activity.SetTag("triggers.function", $"{target.Namespace}/{target.Name}");
        }

        return activity;
    }

    /// <summary>
    /// Without a recorded span, the POST still carries W3C trace context: the message's trace (or a
    /// new one) with a fresh span id. Cheaper than an activity per event, and the function's own
    /// spans join the producer's trace all the same. The new ids come from one draw of the shared
    /// generator, written straight into the header (<c>ActivityTraceId.CreateRandom</c> made a hex
    /// string of each first).
    /// </summary>
    internal static void AddTraceContext(TriggerEvent e, System.Net.Http.Headers.HttpRequestHeaders headers)
    {
        Span<byte> ids = stackalloc byte[24];
        Random.Shared.NextBytes(ids);
        ActivityContext parent = default;
        var hasParent = e.TraceParent is not null && ActivityContext.TryParse(e.TraceParent, e.TraceState, isRemote: true, out parent);
        var recorded = false;
        if (hasParent)
        {
            parent.TraceId.CopyTo(ids[..16]);
            recorded = parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded);
        }

        // All zeros is the one invalid id (W3C trace context); a draw of 2^-64 odds still must not send it.
        ids[15] |= (byte)(ids[..16].ContainsAnyExcept((byte)0) ? 0 : 1);
        ids[23] |= (byte)(ids[16..].ContainsAnyExcept((byte)0) ? 0 : 1);
        headers.TryAddWithoutValidation(EventHeaders.TraceParent, TraceParentOf(ids[..16], ids[16..], recorded));
        if (hasParent && !string.IsNullOrEmpty(parent.TraceState))
        {
            headers.TryAddWithoutValidation(EventHeaders.TraceState, parent.TraceState);
        }
    }

    internal static string TraceParentOf(ActivityTraceId traceId, ActivitySpanId spanId, bool recorded)
    {
        Span<byte> ids = stackalloc byte[24];
        traceId.CopyTo(ids[..16]);
        spanId.CopyTo(ids[16..]);
        return TraceParentOf(ids[..16], ids[16..], recorded);
    }

    /// <summary><c>00-{trace id}-{span id}-{flags}</c> in one string, without the two hex strings in between.</summary>
    internal static string TraceParentOf(ReadOnlySpan<byte> traceId, ReadOnlySpan<byte> spanId, bool recorded)
    {
        Span<char> s = stackalloc char[55];
        "00-".CopyTo(s);
        Convert.TryToHexStringLower(traceId, s.Slice(3, 32), out _);
        s[35] = '-';
        Convert.TryToHexStringLower(spanId, s.Slice(36, 16), out _);
        (recorded ? "-01" : "-00").CopyTo(s[52..]);
        return new string(s);
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Debug, Message = "Dispatch to {Namespace}/{Function} failed after {Attempts} attempts: {Reason}")]
    private static partial void LogAttemptsFailed(ILogger logger, string @namespace, string function, int attempts, string reason);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Warning, Message = "The answer of {Namespace}/{Function} was cut at Triggers:Delivery:MaxResponseBodyBytes ({Limit} bytes)")]
    private static partial void LogReplyTruncated(ILogger logger, string @namespace, string function, int limit);
}
