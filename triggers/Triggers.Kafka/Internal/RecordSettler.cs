using System.Diagnostics;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka.Internal;

/// <summary>
/// Takes one record until it is settled, then reports it to <see cref="SettledRecords"/>. What to do
/// after each dispatch is the product's one <see cref="DeliveryOutcomeRule"/> for a durable source:
/// delivered; dead-lettered (the produce acknowledged by the broker, acks=all, before the record
/// settles; a failed write is written again, never skipped); poison without a dead-letter topic
/// skipped and counted; otherwise tried again after a capped backoff (the function's Retry-After
/// wins), for as long as it takes, an open circuit breaker never counting as an attempt. Giving the
/// partition up (<see cref="PartitionFlow.Stopped"/>) ends the waits between rounds at once; only
/// <see cref="PartitionFlow.Abandoned"/> cancels a POST or dead-letter write in flight.
/// </summary>
internal sealed class RecordSettler
{
    private readonly KafkaSubscriptionPlan _plan;
    private readonly ConsumerServices _services;
    private readonly SettledRecords _settled;
    private readonly TriggerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TagList _tags;
    private readonly Dictionary<string, string> _sources;
    private readonly Action<string> _skippedHeader;
    private readonly SubscriptionHealth _health;

    public RecordSettler(KafkaSubscriptionPlan plan, ConsumerServices services, SettledRecords settled)
    {
        _plan = plan;
        _services = services;
        _settled = settled;
        _metrics = services.Metrics;
        _logger = services.Logger;
        _tags = TriggerMetrics.Tags(Core.Resources.KafkaTrigger.KindName, plan.Trigger, plan.Function);
        _sources = plan.Topics.Distinct(StringComparer.Ordinal).ToDictionary(t => t, t => KafkaEventFactory.Source(plan.Trigger.Namespace, plan.Trigger.Name, t), StringComparer.Ordinal);
        _skippedHeader = name => Log.HeaderSkipped(_logger, _plan.Key, name);
        _health = services.Health.Track(Core.Resources.ResourceKind.KafkaTrigger, plan.Trigger);
    }

    /// <summary>The consumer's part in its trigger's <c>Degraded</c> condition; disposed when the consumer ends.</summary>
    public SubscriptionHealth Health => _health;

    /// <summary>Settles <paramref name="record"/>; throws <see cref="OperationCanceledException"/> (record unsettled) once the partition stops.</summary>
    public async Task SettleAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record)
    {
        var time = _services.Time;
        var triggerEvent = KafkaEventFactory.Create(record, _plan, time.GetUtcNow(), _skippedHeader, _sources.GetValueOrDefault(record.Topic));
        _metrics.Received(_tags);
        var attempts = 0;
        for (var round = 0; ; round++)
        {
            // A new round is a new POST: none starts once the partition is being given up.
            flow.Stopped.ThrowIfCancellationRequested();
            // Inline rather than a helper: one async state machine per record, not two (hot path).
            DispatchResult? result;
            _metrics.InFlight(_tags, 1);
            try
            {
                result = await _services.Dispatcher.DispatchAsync(triggerEvent, _plan.Function, _plan.Policy, flow.Abandoned).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (flow.Abandoned.IsCancellationRequested)
            {
                _services.Abandoned.Add(1, _tags);
                throw;
            }
            catch (Exception e)
            {
                Log.DispatchThrew(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, e);
                _health.Failed(ConditionReasons.RecordHandlingFailed, $"dispatching record {record.Topic}[{record.Partition.Value}]@{record.Offset.Value}", e);
                result = null;
            }
            finally
            {
                _metrics.InFlight(_tags, -1);
            }

            if (result is null)
            {
                await Backoff.DelayAsync(Backoff.Next(_plan.Policy.InitialBackoff, MaxBackoff, round), time, flow.Stopped).ConfigureAwait(false);
                continue;
            }

            _metrics.Duration(_tags, result.Elapsed);
            if (result.Attempts > 1)
            {
                _metrics.Retried(_tags, result.Attempts - 1);
            }

            // A dispatch the open breaker ended says nothing about the record: it brings no dead letter nearer.
            if (!result.CircuitOpen)
            {
                attempts += result.Attempts;
            }

            var decision = _services.Outcomes.Decide(result, _plan.Policy, SourceDurability.Durable, _plan.DeadLetterTopic is not null, attempts, MaxBackoff);
            switch (decision.Action)
            {
                case Settlement.Acknowledge:
                    _metrics.Delivered(_tags);
                    Settle(flow, record);
                    return;
                case Settlement.DeadLetter:
                    _metrics.Failed(_tags);
                    await DeadLetterAsync(_plan.DeadLetterTopic!, record, result, attempts, flow).ConfigureAwait(false);
                    _metrics.DeadLettered(_tags);
                    Log.DeadLettered(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, _plan.DeadLetterTopic!, result.Reason, attempts);
                    Settle(flow, record);
                    return;
                case Settlement.Skip:
                    _metrics.Failed(_tags);
                    _metrics.Skipped(_tags);
                    Log.PoisonSkipped(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason);
                    Settle(flow, record);
                    return;
                default:
                    // Nothing may be lost: the record (and its partition or key) waits and tries again.
                    _metrics.Failed(_tags);
                    Log.Redelivering(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason, attempts, decision.Delay);
                    await Backoff.DelayAsync(decision.Delay, time, flow.Stopped).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>Cap of the wait between rounds: <c>Kafka:MaxRedeliveryBackoff</c>, never below the trigger's initial backoff.</summary>
    private TimeSpan MaxBackoff => _services.Options.MaxRedeliveryBackoff < _plan.Policy.InitialBackoff ? _plan.Policy.InitialBackoff : _services.Options.MaxRedeliveryBackoff;

    /// <summary>Writes the dead letter until the broker acknowledged it; a failed write is written again, the record never skipped.</summary>
    private async Task DeadLetterAsync(string topic, ConsumeResult<byte[], byte[]> record, DispatchResult result, int attempts, PartitionFlow flow)
    {
        for (var failures = 1; ; failures++)
        {
            flow.Stopped.ThrowIfCancellationRequested();
            try
            {
                await _services.DeadLetters.WriteAsync(topic, record, _plan, result, attempts, flow.Abandoned).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !flow.Abandoned.IsCancellationRequested)
            {
                var retry = _services.Outcomes.AfterDeadLetterFailed(_plan.Policy, SourceDurability.Durable, failures, MaxBackoff);
                Log.DeadLetterFailed(_logger, _plan.Key, topic, e is KafkaException k ? k.Error.Reason : e.Message, retry.Delay);
                await Backoff.DelayAsync(retry.Delay, _services.Time, flow.Stopped).ConfigureAwait(false);
            }
        }
    }

    private void Settle(PartitionFlow flow, ConsumeResult<byte[], byte[]> record)
    {
        _settled.Settle(flow, record.Offset.Value, PartitionFlow.SizeOf(record));
        _health.Handled();
    }
}
