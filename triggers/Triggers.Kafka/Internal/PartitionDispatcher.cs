using Confluent.Kafka;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The dispatch side of one consumer: reads each assigned partition's queue and hands records to
/// the <see cref="RecordSettler"/> in the trigger's order (one at a time per partition, per key, or
/// none), at most <c>maxInFlight</c> at once, and never beyond the uncommitted window. The slots
/// are this consumer's own: no other trigger's backlog ever waits for them.
/// </summary>
internal sealed class PartitionDispatcher(KafkaSubscriptionPlan plan, int maxUncommittedPerPartition, RecordSettler settler, ILogger logger)
{
    private readonly SemaphoreSlim _slots = new(plan.MaxInFlight, plan.MaxInFlight);

    /// <summary>Starts the reader of a newly assigned partition; its task ends when nothing of the partition runs any more.</summary>
    public Task Start(PartitionFlow flow) => Task.Run(() => RunAsync(flow));

    private async Task RunAsync(PartitionFlow flow)
    {
        var lanes = new Dictionary<byte[], Queue<ConsumeResult<byte[], byte[]>>>(KeyComparer.Instance);
        var stopped = flow.Stopped;
        try
        {
            await foreach (var record in flow.Queue.Reader.ReadAllAsync(stopped).ConfigureAwait(false))
            {
                if (flow.Stopping)
                {
                    break;
                }

                // Bounds what a crash can redeliver: nothing starts beyond the uncommitted window.
                await flow.WaitForWindowAsync(record.Offset.Value, maxUncommittedPerPartition, stopped).ConfigureAwait(false);
                switch (plan.Ordering)
                {
                    case KafkaOrdering.Partition:
                        await SettleInSlotAsync(flow, record).ConfigureAwait(false);
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
                        _ = RunLaneAsync(flow, lanes, key, record);
                        break;
                    default:
                        // Unordered, or a keyless record in key mode (no key, no order to keep). Started
                        // here, not queued to the thread pool: it runs on this thread until its POST is on
                        // the wire and then detaches by itself; a queued start cost every record one more
                        // thread-pool hop and wake-up (docs/benchmarks.md).
                        await _slots.WaitAsync(stopped).ConfigureAwait(false);
                        flow.BeginRun();
                        _ = SettleAndReleaseAsync(flow, record);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (flow.Stopping)
        {
        }
        catch (Exception e)
        {
            // Not expected (settling retries everything); the partition's records stay unsettled and
            // are delivered again after the next rebalance or restart.
            Failed(flow, e);
        }
        finally
        {
            // Detached runs (unordered records, key lanes) end on their own; they never throw.
            await flow.DrainAsync().ConfigureAwait(false);
        }
    }

    /// <summary>A key lane: the records of one key of one partition, one after the other. Never throws; ends the flow's run.</summary>
    private async Task RunLaneAsync(PartitionFlow flow, Dictionary<byte[], Queue<ConsumeResult<byte[], byte[]>>> lanes, byte[] laneKey, ConsumeResult<byte[], byte[]> first)
    {
        var record = first;
        try
        {
            while (true)
            {
                await SettleInSlotAsync(flow, record).ConfigureAwait(false);
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
        catch (Exception e) when (!flow.Stopping || e is not OperationCanceledException)
        {
            // Not expected; the lane's records stay unsettled and are delivered again after the next rebalance or restart.
            Failed(flow, e);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            flow.EndRun();
        }
    }

    /// <summary>One unordered record, its slot already taken. Never throws; releases the slot and ends the flow's run.</summary>
    private async Task SettleAndReleaseAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record)
    {
        try
        {
            await settler.SettleAsync(flow, record).ConfigureAwait(false);
        }
        catch (Exception e) when (!flow.Stopping || e is not OperationCanceledException)
        {
            // Not expected; the record stays unsettled and is delivered again after the next rebalance or restart.
            Failed(flow, e);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _slots.Release();
            flow.EndRun();
        }
    }

    private void Failed(PartitionFlow flow, Exception e)
    {
        Log.FlowFailed(logger, plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, e);
        settler.Health.Failed(ConditionReasons.RecordHandlingFailed, $"handling the records of partition {flow.Partition.Topic}[{flow.Partition.Partition.Value}]", e);
    }

    private async Task SettleInSlotAsync(PartitionFlow flow, ConsumeResult<byte[], byte[]> record)
    {
        await _slots.WaitAsync(flow.Stopped).ConfigureAwait(false);
        try
        {
            await settler.SettleAsync(flow, record).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }
}
