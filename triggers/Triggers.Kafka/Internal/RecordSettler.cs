using System.Diagnostics;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;

namespace Triggers.Kafka.Internal;

/// <summary>
/// Takes one record until it is settled, then reports it to <see cref="SettledRecords"/>:
/// delivered; dead-lettered (the produce acknowledged by the broker first); or, poison without a
/// dead-letter topic, skipped and counted. A retryable failure without a dead-letter topic, a
/// failed dead-letter write, and a round the open circuit breaker refused are tried again after a
/// capped backoff, for as long as it takes: a durable source never drops a record on a retryable
/// failure. Giving the partition up (<see cref="PartitionFlow.Stopped"/>) ends the waits between
/// rounds at once; only <see cref="PartitionFlow.Abandoned"/> cancels a POST or write in flight.
/// </summary>
internal sealed class RecordSettler
{
    private readonly KafkaSubscriptionPlan _plan;
    private readonly IEventDispatcher _dispatcher;
    private readonly DeadLetterWriter _deadLetters;
    private readonly TriggerMetrics _metrics;
    private readonly System.Diagnostics.Metrics.Counter<long> _abandoned;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SettledRecords _settled;
    private readonly TimeSpan _maxRedeliveryBackoff;
    private readonly TagList _tags;
    private readonly Dictionary<string, string> _sources;
    private readonly Action<string> _skippedHeader;

    public RecordSettler(
        KafkaSubscriptionPlan plan,
        KafkaOptions options,
        IEventDispatcher dispatcher,
        DeadLetterWriter deadLetters,
        TriggerMetrics metrics,
        System.Diagnostics.Metrics.Counter<long> abandoned,
        TimeProvider time,
        ILogger logger,
        SettledRecords settled)
    {
        _plan = plan;
        _dispatcher = dispatcher;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _abandoned = abandoned;
        _time = time;
        _logger = logger;
        _settled = settled;
        _maxRedeliveryBackoff = options.MaxRedeliveryBackoff;
        _tags = TriggerMetrics.Tags(Core.Resources.KafkaTrigger.KindName, plan.Trigger.ToString(), plan.Function.Name);
        _sources = plan.Topics.Distinct(StringComparer.Ordinal).ToDictionary(t => t, t => KafkaEventFactory.Source(plan.Trigger.Namespace, plan.Trigger.Name, t), StringComparer.Ordinal);
        _skippedHeader = name => Log.HeaderSkipped(_logger, _plan.Key, name);
    }

    /// <summary>Settles <paramref name="record"/>; throws <see cref="OperationCanceledException"/> (record unsettled) once the partition stops.</summary>
    public async Task SettleAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record)
    {
        var triggerEvent = KafkaEventFactory.Create(record, _plan, _time.GetUtcNow(), _skippedHeader, _sources.GetValueOrDefault(record.Topic));
        _metrics.Received(_tags);
        for (var round = 0; ; round++)
        {
            // A new round is a new POST: none starts once the partition is being given up.
            flow.Stopped.ThrowIfCancellationRequested();
            var result = await DispatchAsync(triggerEvent, record, flow.Abandoned).ConfigureAwait(false);
            if (result is null)
            {
                await Task.Delay(RedeliveryDelay(round), _time, flow.Stopped).ConfigureAwait(false);
                continue;
            }

            if (result.IsDelivered)
            {
                _metrics.Delivered(_tags);
                Settle(flow, record);
                return;
            }

            _metrics.Failed(_tags);
            if (_plan.DeadLetterTopic is { } deadLetterTopic && !IsBreakerRejection(result))
            {
                await DeadLetterAsync(deadLetterTopic, record, result, flow).ConfigureAwait(false);
                _metrics.DeadLettered(_tags);
                Log.DeadLettered(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, deadLetterTopic, result.Reason, result.Attempts);
                Settle(flow, record);
                return;
            }

            if (result.Outcome == DispatchOutcome.Poison)
            {
                _metrics.Skipped(_tags);
                Log.PoisonSkipped(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason);
                Settle(flow, record);
                return;
            }

            // Nothing may be lost: the record (and its partition or key) waits and tries again.
            var delay = RedeliveryDelay(round);
            Log.Redelivering(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason, result.Attempts, delay);
            await Task.Delay(delay, _time, flow.Stopped).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The round ended on the open circuit breaker: the function did not judge the record, so it
    /// is not dead-lettered for it; it waits for the breaker like a record without a dead-letter topic.
    /// </summary>
    private static bool IsBreakerRejection(DispatchResult result) =>
        result.Outcome == DispatchOutcome.Retryable && result.StatusCode is null &&
        result.Error is { } error && error.StartsWith("circuit open", StringComparison.Ordinal);

    /// <summary>One dispatch (the dispatcher's own attempts inside); null when it threw, which is logged.</summary>
    private async Task<DispatchResult?> DispatchAsync(TriggerEvent triggerEvent, ConsumeResult<byte[], byte[]> record, CancellationToken abandoned)
    {
        DispatchResult result;
        _metrics.InFlight(_tags, 1);
        try
        {
            result = await _dispatcher.DispatchAsync(triggerEvent, _plan.Function, _plan.Policy, abandoned).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (abandoned.IsCancellationRequested)
        {
            _abandoned.Add(1, _tags);
            throw;
        }
        catch (Exception e)
        {
            Log.DispatchThrew(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, e);
            return null;
        }
        finally
        {
            _metrics.InFlight(_tags, -1);
        }

        _metrics.Duration(_tags, result.Elapsed);
        if (result.Attempts > 1)
        {
            _metrics.Retried(_tags, result.Attempts - 1);
        }

        return result;
    }

    /// <summary>Writes the dead letter until the broker acknowledged it; a failed write is retried, never skipped.</summary>
    private async Task DeadLetterAsync(string topic, ConsumeResult<byte[], byte[]> record, DispatchResult result, PartitionFlow flow)
    {
        for (var attempt = 0; ; attempt++)
        {
            flow.Stopped.ThrowIfCancellationRequested();
            try
            {
                await _deadLetters.WriteAsync(topic, record, _plan, result, flow.Abandoned).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !flow.Abandoned.IsCancellationRequested)
            {
                var delay = Backoff.Next(TimeSpan.FromMilliseconds(200), _maxRedeliveryBackoff, attempt);
                Log.DeadLetterFailed(_logger, _plan.Key, topic, e is KafkaException k ? k.Error.Reason : e.Message, delay);
                await Task.Delay(delay, _time, flow.Stopped).ConfigureAwait(false);
            }
        }
    }

    private void Settle(PartitionFlow flow, ConsumeResult<byte[], byte[]> record) =>
        _settled.Settle(flow, record.Offset.Value, PartitionFlow.SizeOf(record));

    private TimeSpan RedeliveryDelay(int round) =>
        Backoff.Next(_plan.Policy.InitialBackoff, TimeSpan.FromTicks(Math.Max(_plan.Policy.InitialBackoff.Ticks, _maxRedeliveryBackoff.Ticks)), round);
}
