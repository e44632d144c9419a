using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;

namespace Triggers.Kafka.Internal;

/// <summary>Writes records that could not be delivered to their trigger's dead-letter topic, with the failure in headers.</summary>
internal sealed class DeadLetterWriter(IOptions<KafkaOptions> options, ILogger<DeadLetterWriter> logger) : IDisposable
{
    public const string OriginalTopicHeader = "dlq-original-topic";
    public const string OriginalPartitionHeader = "dlq-original-partition";
    public const string OriginalOffsetHeader = "dlq-original-offset";
    public const string ErrorHeader = "dlq-error";
    public const string StatusHeader = "dlq-status";
    public const string AttemptsHeader = "dlq-attempts";
    public const string OutcomeHeader = "dlq-outcome";
    public const string TriggerHeader = "dlq-trigger";
    public const string FunctionHeader = "dlq-function";

    private readonly Lock _lock = new();
    private IProducer<byte[], byte[]>? _producer;

    /// <summary>Produces the dead letter and waits for the broker's acknowledgement.</summary>
    public async Task WriteAsync(string topic, ConsumeResult<byte[], byte[]> record, KafkaSubscriptionPlan plan, DispatchResult result, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        Add(headers, OriginalTopicHeader, record.Topic);
        Add(headers, OriginalPartitionHeader, record.Partition.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, OriginalOffsetHeader, record.Offset.Value.ToString(CultureInfo.InvariantCulture));
        Add(headers, ErrorHeader, result.Reason);
        Add(headers, OutcomeHeader, result.Outcome.ToString());
        Add(headers, AttemptsHeader, result.Attempts.ToString(CultureInfo.InvariantCulture));
        if (result.StatusCode is { } status)
        {
            Add(headers, StatusHeader, status.ToString(CultureInfo.InvariantCulture));
        }

        Add(headers, TriggerHeader, plan.Trigger.ToString());
        Add(headers, FunctionHeader, $"{plan.Function.Namespace}/{plan.Function.Name}");
        var message = new Message<byte[], byte[]>
        {
            Key = record.Message.Key!,
            Value = record.Message.Value!,
            Headers = headers,
            Timestamp = record.Message.Timestamp.Type == TimestampType.NotAvailable ? Timestamp.Default : new Timestamp(record.Message.Timestamp.UtcDateTime),
        };
        await Producer().ProduceAsync(topic, message, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        IProducer<byte[], byte[]>? producer;
        lock (_lock)
        {
            producer = _producer;
            _producer = null;
        }

        if (producer is not null)
        {
            // Every dead letter was awaited before its record settled, so nothing is left to flush.
            producer.Dispose();
        }
    }

    private static void Add(Headers headers, string name, string value) => headers.Add(name, Encoding.UTF8.GetBytes(value));

    private IProducer<byte[], byte[]> Producer()
    {
        lock (_lock)
        {
            return _producer ??= new ProducerBuilder<byte[], byte[]>(KafkaClients.Producer(options.Value))
                .SetLogHandler((_, m) => KafkaClients.LogLibrary(logger, m))
                .SetErrorHandler((_, e) => Log.ClientError(logger, "dead-letters", e.Code, e.Reason))
                .Build();
        }
    }
}
