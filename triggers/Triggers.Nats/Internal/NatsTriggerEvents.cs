using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Nats.Internal;

/// <summary>Builds the <see cref="TriggerEvent"/> of a NATS message.</summary>
internal static class NatsTriggerEvents
{
    /// <summary>
    /// The event of a message: content type and trace context taken from its headers, every other
    /// header forwarded, its id from JetStream, its <c>Nats-Msg-Id</c> or a new one.
    /// </summary>
    public static TriggerEvent From(SubscriptionContext context, string subject, byte[]? body, NatsHeaders? headers, string? jetStreamId, DateTimeOffset? jetStreamTime, TimeProvider time)
    {
        string? contentType = null, traceParent = null, traceState = null, messageId = null;
        List<KeyValuePair<string, string>>? forwarded = null;
        if (headers is not null)
        {
            foreach (var (key, values) in headers)
            {
                var value = values.ToString();
                if (key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else if (key.Equals("traceparent", StringComparison.OrdinalIgnoreCase))
                {
                    traceParent = value;
                }
                else if (key.Equals("tracestate", StringComparison.OrdinalIgnoreCase))
                {
                    traceState = value;
                }
                else
                {
                    if (key.Equals("Nats-Msg-Id", StringComparison.OrdinalIgnoreCase))
                    {
                        messageId = value;
                    }

                    forwarded ??= new List<KeyValuePair<string, string>>(headers.Count);
                    foreach (var single in (StringValues)values)
                    {
                        forwarded.Add(new(key, single ?? ""));
                    }
                }
            }
        }

        return new TriggerEvent
        {
            Body = body ?? [],
            ContentType = string.IsNullOrWhiteSpace(contentType) ? null : contentType,
            Id = jetStreamId ?? messageId ?? EventHeaders.NewEventId(),
            Time = jetStreamTime ?? time.GetUtcNow(),
            EventNamespace = NatsTrigger.EventNamespace,
            Topic = subject,
            Source = context.Source,
            Type = NatsEventHandler.EventType,
            Headers = forwarded,
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }
}
