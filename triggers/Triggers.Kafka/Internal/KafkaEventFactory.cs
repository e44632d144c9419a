using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Kafka.Internal;

/// <summary>Turns a Kafka record into the event the dispatcher POSTs.</summary>
internal static class KafkaEventFactory
{
    public const string PartitionHeader = "kafka-partition";
    public const string OffsetHeader = "kafka-offset";
    public const string KeyHeader = "kafka-key";

    /// <summary>Present (value <c>base64</c>) when the key was not valid UTF-8 text and <see cref="KeyHeader"/> carries it base64-encoded.</summary>
    public const string KeyEncodingHeader = "kafka-key-encoding";

    /// <summary>Suffix of the marker header added when a record header value was binary and is forwarded base64-encoded.</summary>
    public const string EncodingSuffix = "-encoding";

    public const string EventType = "io.kubeless.kafka.record";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The event of <paramref name="record"/>; <paramref name="source"/> is the topic's <see cref="Source"/> when the caller keeps it (built otherwise).</summary>
    public static TriggerEvent Create(ConsumeResult<byte[], byte[]> record, KafkaSubscriptionPlan plan, DateTimeOffset now, Action<string>? skippedHeader = null, string? source = null)
    {
        var recordHeaders = record.Message.Headers;
        var headers = new List<KeyValuePair<string, string>>(4 + (recordHeaders?.Count ?? 0))
        {
            new(PartitionHeader, record.Partition.Value.ToString(CultureInfo.InvariantCulture)),
            new(OffsetHeader, record.Offset.Value.ToString(CultureInfo.InvariantCulture)),
        };
        if (record.Message.Key is { } key)
        {
            if (TryText(key, out var text) && IsHeaderValue(text))
            {
                headers.Add(new(KeyHeader, text));
            }
            else
            {
                headers.Add(new(KeyHeader, Convert.ToBase64String(key)));
                headers.Add(new(KeyEncodingHeader, "base64"));
            }
        }

        string? contentType = null;
        string? traceParent = null;
        string? traceState = null;
        for (var i = 0; i < (recordHeaders?.Count ?? 0); i++)
        {
            var header = recordHeaders![i];
            var value = header.GetValueBytes() ?? [];
            var name = header.Key;
            if (string.Equals(name, "content-type", StringComparison.OrdinalIgnoreCase) && TryText(value, out var ct))
            {
                contentType = ct;
            }
            else if (string.Equals(name, "traceparent", StringComparison.OrdinalIgnoreCase) && TryText(value, out var tp))
            {
                traceParent = tp;
            }
            else if (string.Equals(name, "tracestate", StringComparison.OrdinalIgnoreCase) && TryText(value, out var ts))
            {
                traceState = ts;
            }
            else if (IsReserved(name))
            {
                continue;
            }
            else if (!EventHeaders.IsSendable(name, ""))
            {
                skippedHeader?.Invoke(name);
            }
            else if (TryText(value, out var textValue) && IsHeaderValue(textValue))
            {
                headers.Add(new(name, textValue));
            }
            else
            {
                headers.Add(new(name, Convert.ToBase64String(value)));
                headers.Add(new(name + EncodingSuffix, "base64"));
            }
        }

        var time = record.Message.Timestamp.Type == TimestampType.NotAvailable
            ? now
            : new DateTimeOffset(record.Message.Timestamp.UtcDateTime, TimeSpan.Zero);
        return new TriggerEvent
        {
            Body = record.Message.Value ?? [],
            ContentType = contentType,
            Id = EventId(record.Partition.Value, record.Offset.Value),
            Time = time,
            EventNamespace = KafkaTrigger.EventNamespace,
            Topic = record.Topic,
            Source = source ?? Source(plan.Trigger.Namespace, plan.Trigger.Name, record.Topic),
            Type = EventType,
            Headers = headers,
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }

    /// <summary>The event id of a record: unique within its topic, the same on every redelivery.</summary>
    public static string EventId(int partition, long offset) =>
        string.Create(CultureInfo.InvariantCulture, $"partition:{partition}/offset:{offset}");

    /// <summary>CloudEvents source: trigger and topic, so that the id is unique within it.</summary>
    public static string Source(string @namespace, string trigger, string topic) =>
        $"/apis/{KafkaTrigger.GroupVersion}/namespaces/{Uri.EscapeDataString(@namespace)}/{KafkaTrigger.Plural}/{Uri.EscapeDataString(trigger)}/topics/{Uri.EscapeDataString(topic)}";

    private static bool TryText(byte[] bytes, out string text)
    {
        try
        {
            text = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = "";
            return false;
        }
    }

    // The contract's own headers are set by the dispatcher and ours by this factory; a record must not forge either.
    private static bool IsReserved(string name) =>
        EventHeaders.IsReserved(name) || name.StartsWith("kafka-", StringComparison.OrdinalIgnoreCase);

    // HTTP header values travel as ASCII; anything else is forwarded base64-encoded with a marker.
    private static bool IsHeaderValue(string value)
    {
        foreach (var c in value)
        {
            if (c != '\t' && c is < ' ' or >= '\u007f')
            {
                return false;
            }
        }

        return true;
    }
}
