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
