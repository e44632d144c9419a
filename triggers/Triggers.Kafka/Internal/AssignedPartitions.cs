using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The partitions one consumer owns, kept by its consumer thread: a <see cref="PartitionFlow"/>
/// each, records handed in as they arrive, offsets stored once everything before them settled,
/// partitions paused while they hold too much (in records or bytes), and given up (revoke, edit,
/// stop) with a grace period for what is in flight, then committed.
/// </summary>
internal sealed class AssignedPartitions(KafkaSubscriptionPlan plan, KafkaOptions options, PartitionDispatcher dispatcher, SettledRecords settled, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan AbandonWait = TimeSpan.FromSeconds(5);

    private readonly Dictionary<TopicPartition, PartitionFlow> _flows = [];
    private readonly HashSet<PartitionFlow> _touched = [];
    private readonly BufferBudget _budget = new(plan, options, time);

    /// <summary>What the consumer holds in memory.</summary>
    public BufferGauge Gauge { get; } = new();

    public IReadOnlyCollection<TopicPartition> Partitions => _flows.Keys;

    /// <summary>Each assigned partition with the lowest offset not known to be committed (negative while unknown): what its lag counts from.</summary>
    public IEnumerable<(TopicPartition Partition, long Uncommitted)> Uncommitted => _flows.Values.Select(f => (f.Partition, f.Committed));

    public void Assign(List<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            if (!_flows.ContainsKey(partition))
            {
                var flow = new PartitionFlow(partition) { LastSettled = time.GetTimestamp() };
                _flows[partition] = flow;
                flow.Worker = dispatcher.Start(flow);
            }
        }

        Log.Assigned(logger, plan.Key, KafkaClients.Describe(partitions));
    }

    /// <summary>Hands a record to its partition's flow; pauses the partition once it holds its share.</summary>
    public void Accept(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> record)
    {
        if (!_flows.TryGetValue(record.TopicPartition, out var flow))
        {
            // Assignment always comes first; a record without it is a late one of a partition just given up.
            return;
        }

        var offset = record.Offset.Value;
        flow.StartWindowAt(offset);
        flow.AddPending(offset);
        flow.NextOffset = offset + 1;
        if (flow.Buffered == 0)
        {
            // Idle until now: the time without a settle counts from here.
            flow.LastSettled = time.GetTimestamp();
        }

        var size = PartitionFlow.SizeOf(record);
        flow.Received(size);
        flow.Queue.Writer.TryWrite(record);
        Gauge.Received(flow.Buffered, size);

        if (!flow.Paused && _budget.MustPause(flow, _flows.Count))
        {
            consumer.Pause([flow.Partition]);
            flow.Paused = true;
        }
    }

    /// <summary>
    /// Stores the offsets of what settled and resumes drained partitions. True when the consumer
    /// holds its budget (unordered and key modes) and should wait before taking more records;
    /// <paramref name="wakeAfter"/> is then how many settles are worth waking up for.
    /// </summary>
    public bool ApplySettled(IConsumer<byte[], byte[]> consumer, out int wakeAfter)
    {
        while (settled.TryTake(out var flow, out var offset))
        {
            if (!flow.Gone)
            {
                flow.RemovePending(offset);
                _touched.Add(flow);
            }
        }

        var now = time.GetTimestamp();
        foreach (var flow in _touched)
        {
            flow.LastSettled = now;
            flow.Stuck = false;
            Store(consumer, flow);
        }

        _touched.Clear();
        var buffered = 0;
        var bytes = 0L;
        var held = 0;
        var heldBytes = 0L;
        foreach (var flow in _flows.Values)
        {
            var count = flow.Buffered;
            var size = flow.BufferedBytes;
            buffered += count;
            bytes += size;
            if (flow.Paused && _budget.MayResume(flow, _flows.Count))
            {
                consumer.Resume([flow.Partition]);
                flow.Paused = false;
            }

            if (!flow.Paused && !flow.Stuck)
            {
                held += count;
                heldBytes += size;
            }
        }

        Gauge.Recount(buffered, bytes);
        wakeAfter = Math.Max(1, Math.Min(held / 4, plan.MaxInFlight));
        if (!_budget.IsHeld(held, heldBytes))
        {
            return false;
        }

        _budget.MarkStuck(_flows.Values, now);
        return true;
    }

    /// <summary>
    /// Runs on the consumer thread inside librdkafka's rebalance callback (or on stop and edit): no
    /// new record of these partitions starts, in-flight ones get <paramref name="grace"/> to settle
    /// and are then abandoned, and what settled is stored and committed before the partitions go.
    /// Blocking here is by design: it is the consumer's own thread and heartbeats run in librdkafka's.
    /// </summary>
    public void GiveUp(IConsumer<byte[], byte[]>? consumer, IEnumerable<TopicPartition> partitions, bool commit, TimeSpan grace, string why)
    {
        var flows = new List<PartitionFlow>();
        foreach (var partition in partitions.ToList())
        {
            if (_flows.Remove(partition, out var flow))
            {
                flows.Add(flow);
            }
        }

        if (flows.Count == 0)
        {
            return;
        }

        foreach (var flow in flows)
        {
            flow.Stop();
            flow.Queue.Writer.TryComplete();
            if (grace <= TimeSpan.Zero)
            {
                flow.Abandon();
            }
        }

        var workers = Task.WhenAll(flows.Select(f => f.Worker));
        if (!Wait(workers, grace))
        {
            foreach (var flow in flows)
            {
                flow.Abandon();
            }

            Wait(workers, AbandonWait);
        }

        var abandoned = flows.Sum(f => f.Buffered);
        if (consumer is not null)
        {
            Release(consumer, flows, commit);
        }

        foreach (var flow in flows)
        {
            flow.Gone = true;
            if (flow.Worker.IsCompleted)
            {
                flow.Dispose();
            }
        }

        if (why == "lost")
        {
            Log.Lost(logger, plan.Key, KafkaClients.Describe(flows.Select(f => f.Partition)));
        }
        else
        {
            Log.Revoked(logger, plan.Key, why, KafkaClients.Describe(flows.Select(f => f.Partition)), abandoned);
        }
    }

    /// <summary>Gives up every partition without commit, after the consumer failed (nothing may escape).</summary>
    public void Abandon(IConsumer<byte[], byte[]>? consumer)
    {
        try
        {
            GiveUp(consumer, _flows.Keys, commit: false, TimeSpan.Zero, "failed");
        }
        catch (Exception e)
        {
            Log.ConsumerFailed(logger, plan.Key, TimeSpan.Zero, e);
            _flows.Clear();
        }
    }

    /// <summary>A commit the broker acknowledged moves the uncommitted window of its partition.</summary>
    public void OnCommitted(CommittedOffsets committed)
    {
        if (committed.Error.IsError && committed.Error.Code != ErrorCode.Local_NoOffset)
        {
            Log.CommitFailed(logger, plan.Key, committed.Error.Reason);
        }

        foreach (var offset in committed.Offsets)
        {
            if (!offset.Error.IsError && offset.Offset.Value >= 0 && _flows.TryGetValue(offset.TopicPartition, out var flow))
            {
                flow.CommittedUpTo(offset.Offset.Value);
            }
        }
    }

    private void Store(IConsumer<byte[], byte[]> consumer, PartitionFlow flow)
    {
        var store = flow.PendingCount > 0 ? flow.LowestPending : flow.NextOffset;
        if (store > flow.Stored)
        {
            try
            {
                consumer.StoreOffset(new TopicPartitionOffset(flow.Partition, store));
                flow.Stored = store;
            }
            catch (KafkaException e)
            {
                Log.StoreFailed(logger, plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, store, e.Error.Reason);
            }
        }
    }

    /// <summary>Lifts application pauses (a partition that comes back must flow again), stores what settled and commits it.</summary>
    private void Release(IConsumer<byte[], byte[]> consumer, List<PartitionFlow> flows, bool commit)
    {
        foreach (var flow in flows.Where(f => f.Paused))
        {
            try
            {
                consumer.Resume([flow.Partition]);
                flow.Paused = false;
            }
            catch (KafkaException)
            {
            }
        }

        if (!commit)
        {
            return;
        }

        ApplySettled(consumer, out _);
        var offsets = flows.Where(f => f.Stored >= 0).Select(f => new TopicPartitionOffset(f.Partition, f.Stored)).ToList();
        if (offsets.Count > 0)
        {
            try
            {
                consumer.Commit(offsets);
            }
            catch (KafkaException e)
            {
                Log.CommitFailed(logger, plan.Key, e.Error.Reason);
            }
        }
    }

    private static bool Wait(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }
}
