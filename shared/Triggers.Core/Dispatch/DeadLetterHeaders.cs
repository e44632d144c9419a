using System.Globalization;
using Triggers.Core.Resources;

namespace Triggers.Core.Dispatch;

/// <summary>
/// The headers every worker writes on a dead letter (NATS headers, Kafka record headers), after the
/// original message's own headers. The canonical names are <c>Triggers-*</c>; the names written before
/// (NATS <c>Triggers-Original-Subject</c>, Kafka <c>dlq-*</c>) are written too, as aliases, for one
/// release (docs/configuration.md, "Dead letters").
/// </summary>
public static class DeadLetterHeaders
{
    /// <summary>The subject or topic the failed event arrived on (the trigger's <c>spec.topic</c> matched it).</summary>
    public const string OriginalTopic = "Triggers-Original-Topic";

    /// <summary>Kafka: partition of the failed record.</summary>
    public const string OriginalPartition = "Triggers-Original-Partition";

    /// <summary>Kafka: offset of the failed record.</summary>
    public const string OriginalOffset = "Triggers-Original-Offset";

    /// <summary>Why delivery failed ("HTTP 400", "timeout after 00:00:30", ...).</summary>
    public const string Error = "Triggers-Error";

    /// <summary>HTTP status code of the function's last answer, when it answered.</summary>
    public const string Status = "Triggers-Status";

    /// <summary>Delivery attempts made.</summary>
    public const string Attempts = "Triggers-Attempts";

    /// <summary><c>Poison</c> (rejected) or <c>Retryable</c> (gave up after the last attempt).</summary>
    public const string Outcome = "Triggers-Outcome";

    /// <summary>The trigger, <c>namespace/name</c>.</summary>
    public const string Trigger = "Triggers-Trigger";

    /// <summary>The function, <c>namespace/name</c>.</summary>
    public const string Function = "Triggers-Function";

    /// <summary>The event id sent to the function.</summary>
    public const string EventId = "Triggers-Event-Id";

    /// <summary>Deprecated alias of <see cref="OriginalTopic"/> on NATS dead letters.</summary>
    public const string LegacyNatsOriginalSubject = "Triggers-Original-Subject";

    /// <summary>Deprecated <c>dlq-*</c> aliases on Kafka dead letters, by canonical name.</summary>
    public static IReadOnlyDictionary<string, string> LegacyKafkaNames { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [OriginalTopic] = "dlq-original-topic",
        [OriginalPartition] = "dlq-original-partition",
        [OriginalOffset] = "dlq-original-offset",
        [Error] = "dlq-error",
        [Status] = "dlq-status",
        [Attempts] = "dlq-attempts",
        [Outcome] = "dlq-outcome",
        [Trigger] = "dlq-trigger",
        [Function] = "dlq-function",
    };

    /// <summary>The failure headers of one dead letter, canonical names only; the worker adds its aliases.</summary>
    public static List<KeyValuePair<string, string>> Describe(
        ResourceKey trigger, FunctionEndpoint function, string eventId, string originalTopic, DispatchResult result, int attempts, int? partition = null, long? offset = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(result);
        var headers = new List<KeyValuePair<string, string>>(10) { new(OriginalTopic, originalTopic) };
        if (partition is { } p)
        {
            headers.Add(new(OriginalPartition, p.ToString(CultureInfo.InvariantCulture)));
        }

        if (offset is { } o)
        {
            headers.Add(new(OriginalOffset, o.ToString(CultureInfo.InvariantCulture)));
        }

        headers.Add(new(Error, result.Reason));
        if (result.StatusCode is { } status)
        {
            headers.Add(new(Status, status.ToString(CultureInfo.InvariantCulture)));
        }

        headers.Add(new(Attempts, attempts.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new(Outcome, result.Outcome.ToString()));
        headers.Add(new(Trigger, trigger.ToString()));
        headers.Add(new(Function, $"{function.Namespace}/{function.Name}"));
        headers.Add(new(EventId, eventId));
        return headers;
    }
}
