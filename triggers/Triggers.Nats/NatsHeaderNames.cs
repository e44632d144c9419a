using Triggers.Core.Dispatch;

namespace Triggers.Nats;

/// <summary>NATS headers the worker writes on dead letters (names shared with Kafka, <see cref="DeadLetterHeaders"/>) and request replies.</summary>
public static class NatsHeaderNames
{
    /// <summary>Subject the failed message arrived on.</summary>
    public const string OriginalTopic = DeadLetterHeaders.OriginalTopic;

    /// <summary>Deprecated alias of <see cref="OriginalTopic"/>, still written for one release.</summary>
    public const string OriginalSubject = DeadLetterHeaders.LegacyNatsOriginalSubject;

    /// <summary>Why delivery failed ("HTTP 400", "timeout after 30s", ...); on a reply, why the request failed.</summary>
    public const string Error = DeadLetterHeaders.Error;

    /// <summary>HTTP status code of the function's last answer, when it answered.</summary>
    public const string Status = DeadLetterHeaders.Status;

    /// <summary>Delivery attempts made.</summary>
    public const string Attempts = DeadLetterHeaders.Attempts;

    /// <summary><c>Poison</c> (rejected) or <c>Retryable</c> (gave up after the last attempt).</summary>
    public const string Outcome = DeadLetterHeaders.Outcome;

    /// <summary>The trigger, <c>namespace/name</c>.</summary>
    public const string Trigger = DeadLetterHeaders.Trigger;

    /// <summary>The function, <c>namespace/name</c>.</summary>
    public const string Function = DeadLetterHeaders.Function;

    /// <summary>The event id sent to the function.</summary>
    public const string EventId = DeadLetterHeaders.EventId;

    /// <summary>On a reply: <c>true</c> when the function's answer was longer than <c>Triggers:Delivery:MaxResponseBodyBytes</c> and was cut there.</summary>
    public const string ReplyTruncated = "Triggers-Reply-Truncated";
}
