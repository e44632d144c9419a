namespace Triggers.Nats;

/// <summary>NATS headers the worker writes on dead letters and request replies.</summary>
public static class NatsHeaderNames
{
    /// <summary>Subject the failed message arrived on.</summary>
    public const string OriginalSubject = "Triggers-Original-Subject";

    /// <summary>Why delivery failed ("HTTP 400", "timeout after 30s", ...).</summary>
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
}
