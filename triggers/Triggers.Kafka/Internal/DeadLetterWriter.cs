using System.Text;
using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;

namespace Triggers.Kafka.Internal;

/// <summary>
/// Writes records that could not be delivered to their trigger's dead-letter topic: the record's
/// key, value, headers and timestamp, then the failure in the product's dead-letter headers
/// (<see cref="DeadLetterHeaders"/>, <c>Triggers-*</c>) and their deprecated <c>dlq-*</c> aliases.
/// </summary>
internal sealed class DeadLetterWriter(IOptions<KafkaOptions> options, ILogger<DeadLetterWriter> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private IProducer<byte[], byte[]>? _producer;

    /// <summary>Produces the dead letter and waits for the broker's acknowledgement (acks=all).</summary>
    public async Task WriteAsync(string topic, ConsumeResult<byte[], byte[]> record, KafkaSubscriptionPlan plan, DispatchResult result, int attempts, CancellationToken cancellationToken)
    {
        var headers = new Headers();
        foreach (var header in record.Message.Headers ?? [])
        {
            headers.Add(header.Key, header.GetValueBytes());
        }

        var eventId = KafkaEventFactory.EventId(record.Partition.Value, record.Offset.Value);
        foreach (var (name, value) in DeadLetterHeaders.Describe(plan.Trigger, plan.Function, eventId, record.Topic, result, attempts, record.Partition.Value, record.Offset.Value))
        {
            var bytes = Encoding.UTF8.GetBytes(value);
            headers.Add(name, bytes);
            if (DeadLetterHeaders.LegacyKafkaNames.TryGetValue(name, out var alias))
            {
                headers.Add(alias, bytes);
            }
        }

        var message = new Message<byte[], byte[]>
        {
            Key = record.Message.Key!,
            Value = record.Message.Value!,
            Headers = headers,
            Timestamp = record.Message.Timestamp.Type == TimestampType.NotAvailable ? Timestamp.Default : new Timestamp(record.Message.Timestamp.UtcDateTime),
        };
        var producer = Producer();
        try
        {
            await producer.ProduceAsync(topic, message, cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException e) when (e.Error.IsFatal)
        {
            // A fatal producer (idempotence state lost) fails every later write: the next one builds a new producer.
            Replace(producer);
            throw;
        }
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

    private void Replace(IProducer<byte[], byte[]> failed)
    {
        lock (_lock)
        {
            if (!ReferenceEquals(_producer, failed))
            {
                return;
            }

            _producer = null;
        }

        Log.ClientError(logger, "dead-letters", ErrorCode.Local_Fatal, "the dead-letter producer failed fatally; building a new one");
        failed.Dispose();
    }

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
