using Confluent.Kafka;
using Triggers.Core.Dispatch;

namespace Triggers.Kafka.Internal;

/// <summary>The dispatch side: ordering per partition or key, the in-flight bound, retries and dead letters.</summary>
internal sealed partial class KafkaConsumerRunner
{
    private async Task RunFlowAsync(PartitionFlow flow)
    {
        var lanes = new Dictionary<byte[], Queue<ConsumeResult<byte[], byte[]>>>(KeyComparer.Instance);
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
                        lock (lanes)
                        {
                            if (lanes.TryGetValue(key, out var lane))
                            {
                                lane.Enqueue(record);
                                break;
                            }

                            lanes[key] = new Queue<ConsumeResult<byte[], byte[]>>();
                        }

                        flow.BeginRun();
                        ThreadPool.UnsafeQueueUserWorkItem(new DetachedRun(this, flow, record, lanes, key, cancellationToken), preferLocal: false);
                        break;
                    default:
                        // Unordered, or a keyless record in key mode (no key, no order to keep).
                        await _concurrency.WaitAsync(cancellationToken).ConfigureAwait(false);
                        flow.BeginRun();
                        ThreadPool.UnsafeQueueUserWorkItem(new DetachedRun(this, flow, record, null, null, cancellationToken), preferLocal: false);
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
            // Detached runs (unordered records, key lanes) end on their own; they never throw.
            await flow.DrainAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A key lane: the records of one key of one partition, one after the other. Never throws; ends the flow's run.</summary>
    private async Task RunLaneAsync(
        PartitionFlow flow,
        Dictionary<byte[], Queue<ConsumeResult<byte[], byte[]>>> lanes,
        byte[] laneKey,
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
        catch (Exception e)
        {
            // Not expected; the lane's records stay unsettled and are delivered again after the next rebalance or restart.
            Log.FlowFailed(_logger, _plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, e);
        }
        finally
        {
            flow.EndRun();
        }
    }

    /// <summary>One record of an unordered run. Never throws; releases its slot and ends the flow's run.</summary>
    private async Task ProcessAndReleaseAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(flow, record, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Not expected; the record stays unsettled and is delivered again after the next rebalance or restart.
            Log.FlowFailed(_logger, _plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, e);
        }
        finally
        {
            _concurrency.Release();
            flow.EndRun();
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
        var triggerEvent = KafkaEventFactory.Create(record, _plan, _time.GetUtcNow(), _skippedHeader, _sources.GetValueOrDefault(record.Topic));
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

    /// <summary>
    /// Starts an unordered record or a new key lane on the thread pool: the partition's reader only
    /// hands records out, so one busy partition still has up to maxInFlight POSTs being built at once.
    /// </summary>
    private sealed class DetachedRun(
        KafkaConsumerRunner runner,
        PartitionFlow flow,
        ConsumeResult<byte[], byte[]> record,
        Dictionary<byte[], Queue<ConsumeResult<byte[], byte[]>>>? lanes,
        byte[]? laneKey,
        CancellationToken cancellationToken) : IThreadPoolWorkItem
    {
        public void Execute() =>
            _ = lanes is null
                ? runner.ProcessAndReleaseAsync(flow, record, cancellationToken)
                : runner.RunLaneAsync(flow, lanes, laneKey!, record, cancellationToken);
    }

    /// <summary>Key lanes compare record keys by content, without turning every key into a string.</summary>
    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj)
        {
            var hash = default(HashCode);
            hash.AddBytes(obj);
            return hash.ToHashCode();
        }
    }
}
