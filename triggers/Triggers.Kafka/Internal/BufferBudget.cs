namespace Triggers.Kafka.Internal;

/// <summary>
/// What one consumer may hold in memory (records received and not yet settled). Every mode: a
/// partition is paused at <see cref="KafkaOptions.MaxBufferedPerPartition"/> records or at its share
/// of <see cref="KafkaOptions.MaxBufferedBytesPerConsumer"/>, and resumed at half. Unordered and key
/// modes also stop taking records from librdkafka while the partitions that flow hold
/// <c>clamp(2 x maxInFlight, MaxBufferedPerPartition / 2, MaxBufferedPerPartition - 1)</c> records or
/// half the byte bound, so a backlog is taken in step with dispatch instead of by pausing partitions
/// (a pause drops librdkafka's prefetch, which is fetched again on resume). Partition mode needs every
/// partition's records at hand and keeps only the pauses.
/// </summary>
internal sealed class BufferBudget
{
    /// <summary>While the consumer holds its budget, a partition none of whose records settled for this long stops counting against it.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    private readonly int _perPartition;
    private readonly long _bytes;
    private readonly int _holdRecords;
    private readonly long _holdBytes;
    private readonly TimeProvider _time;

    public BufferBudget(KafkaSubscriptionPlan plan, KafkaOptions options, TimeProvider time)
    {
        _time = time;
        _perPartition = options.MaxBufferedPerPartition;
        _bytes = options.MaxBufferedBytesPerConsumer;
        var holds = plan.Ordering != KafkaOrdering.Partition && _perPartition >= 3;
        _holdRecords = holds ? Math.Clamp(2 * plan.MaxInFlight, _perPartition / 2, _perPartition - 1) : int.MaxValue;
        _holdBytes = holds ? _bytes / 2 : long.MaxValue;
    }

    public bool MustPause(PartitionFlow flow, int partitions) =>
        flow.Buffered >= _perPartition || flow.BufferedBytes >= Share(partitions);

    public bool MayResume(PartitionFlow flow, int partitions) =>
        flow.Buffered <= _perPartition / 2 && flow.BufferedBytes <= Share(partitions) / 2;

    /// <summary>True when the records (and bytes) of the partitions that flow reach the hold budget.</summary>
    public bool IsHeld(int records, long bytes) => records >= _holdRecords || bytes >= _holdBytes;

    /// <summary>
    /// The budget is held: a partition that settled nothing for <see cref="StuckAfter"/> (a record
    /// or key retrying, a full window) stops counting against it until one of its records settles,
    /// so that it cannot starve the others. It keeps taking records (other keys of it keep flowing)
    /// up to its own bound, where it is paused.
    /// </summary>
    public void MarkStuck(IEnumerable<PartitionFlow> flows, long now)
    {
        foreach (var flow in flows)
        {
            if (!flow.Stuck && flow.Buffered > 0 && _time.GetElapsedTime(flow.LastSettled, now) >= StuckAfter)
            {
                flow.Stuck = true;
            }
        }
    }

    private long Share(int partitions) => _bytes / Math.Max(1, partitions);
}
