using System.Collections.Concurrent;
using Confluent.Kafka;
using Triggers.Core.Dispatch;

namespace Triggers.Kafka.Internal;

/// <summary>The dispatch side: ordering per partition or key, the in-flight bound, retries and dead letters.</summary>
internal sealed partial class KafkaConsumerRunner
{
    private async Task RunFlowAsync(PartitionFlow flow)
    {
        var running = new ConcurrentDictionary<Task, byte>();
        var lanes = new Dictionary<string, Queue<ConsumeResult<byte[], byte[]>>>(StringComparer.Ordinal);
        var cancellationToken = flow.Abandoned;
        try
        {
            await foreach (var record in flow.Queue.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                if (flow.Stopping)
                {
                    break;
                }

                // Bounds what a crash can redeliver: nothing starts beyond the uncommitted window.
                await flow.WaitForWindowAsync(record.Offset.Value, _options.MaxUncommittedPerPartition, cancellationToken).ConfigureAwait(false);
                switch (_plan.Ordering)
                {
                    case KafkaOrdering.Partition:
                        await ProcessGatedAsync(flow, record, cancellationToken).ConfigureAwait(false);
                        break;
                    case KafkaOrdering.Key when record.Message.Key is { } key:
                        var laneKey = Convert.ToBase64String(key);
                        lock (lanes)
                        {
                            if (lanes.TryGetValue(laneKey, out var lane))
                            {
                                lane.Enqueue(record);
                                break;
                            }

                            lanes[laneKey] = new Queue<ConsumeResult<byte[], byte[]>>();
                        }

                        Track(running, RunLaneAsync(flow, lanes, laneKey, record, cancellationToken));
                        break;
                    default:
                        // Unordered, or a keyless record in key mode (no key, no order to keep).
                        await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
                        Track(running, ProcessAndReleaseAsync(flow, record, cancellationToken));
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Not expected (processing settles or retries everything); the partition's records stay
            // unsettled and are delivered again after the next rebalance or restart.
            Log.FlowFailed(_logger, _plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, e);
        }
        finally
        {
            try
            {
                await Task.WhenAll(running.Keys).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
        }
    }

    private static void Track(ConcurrentDictionary<Task, byte> running, Task task)
    {
        running.TryAdd(task, 0);
        _ = task.ContinueWith(t => running.TryRemove(t, out _), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task RunLaneAsync(
        PartitionFlow flow,
        Dictionary<string, Queue<ConsumeResult<byte[], byte[]>>> lanes,
        string laneKey,
        ConsumeResult<byte[], byte[]> first,
        CancellationToken cancellationToken)
    {
        var record = first;
        try
        {
            while (true)
            {
                await ProcessGatedAsync(flow, record, cancellationToken).ConfigureAwait(false);
                lock (lanes)
                {
                    if (flow.Stopping || !lanes[laneKey].TryDequeue(out record!))
                    {
                        lanes.Remove(laneKey);
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ProcessAndReleaseAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(flow, record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _concurrency.Release();
        }
    }

    private async Task ProcessGatedAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ProcessAsync(flow, record, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _concurrency.Release();
        }
    }

    /// <summary>Delivers one record until it is settled: delivered, dead-lettered, or skipped as poison. Only cancellation abandons it.</summary>
    private async Task ProcessAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        var triggerEvent = KafkaEventFactory.Create(record, _plan, _time.GetUtcNow(), name => Log.HeaderSkipped(_logger, _plan.Key, name));
        _metrics.Received(_tags);
        for (var round = 0; ; round++)
        {
            DispatchResult result;
            _metrics.InFlight(_tags, 1);
            try
            {
                result = await _dispatcher.DispatchAsync(triggerEvent, _plan.Function, _plan.Policy, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var wait = RedeliveryDelay(round);
                Log.DispatchThrew(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, wait, e);
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                continue;
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

            if (result.IsDelivered)
            {
                _metrics.Delivered(_tags);
                Settle(flow, record.Offset.Value);
                return;
            }

            _metrics.Failed(_tags);
            if (_plan.DeadLetterTopic is { } deadLetterTopic)
            {
                await DeadLetterAsync(deadLetterTopic, record, result, cancellationToken).ConfigureAwait(false);
                _metrics.DeadLettered(_tags);
                Log.DeadLettered(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, deadLetterTopic, result.Reason, result.Attempts);
                Settle(flow, record.Offset.Value);
                return;
            }

            if (result.Outcome == DispatchOutcome.Poison)
            {
                _metrics.Skipped(_tags);
                Log.PoisonSkipped(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason);
                Settle(flow, record.Offset.Value);
                return;
            }

            // No dead-letter topic: nothing may be lost, so the record (and its partition or key) waits and tries again.
            var delay = RedeliveryDelay(round);
            Log.Redelivering(_logger, _plan.Key, record.Topic, record.Partition.Value, record.Offset.Value, result.Reason, result.Attempts, delay);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan RedeliveryDelay(int round) =>
        Backoff.Next(_plan.Policy.InitialBackoff, TimeSpan.FromTicks(Math.Max(_plan.Policy.InitialBackoff.Ticks, _options.MaxRedeliveryBackoff.Ticks)), round);

    private async Task DeadLetterAsync(string topic, ConsumeResult<byte[], byte[]> record, DispatchResult result, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _deadLetters.WriteAsync(topic, record, _plan, result, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff.Next(TimeSpan.FromMilliseconds(200), _options.MaxRedeliveryBackoff, attempt);
                Log.DeadLetterFailed(_logger, _plan.Key, topic, e is KafkaException k ? k.Error.Reason : e.Message, delay);
                await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
