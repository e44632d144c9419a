namespace Triggers.Kafka.Internal;

/// <summary>
/// What one consumer may hold in memory (records received and not yet settled), and how it is held
/// there without dropping librdkafka's prefetch (a pause drops the prefetch of the partition, which
/// a resume fetches again):
/// <list type="bullet">
/// <item>The consumer <em>holds</em> (takes no record from librdkafka, whose own queue then stays at
/// <see cref="KafkaOptions.QueuedMaxMessagesKbytes"/> and stops fetching) while it holds
/// <see cref="KafkaOptions.MaxBufferedBytesPerConsumer"/> bytes, and in unordered and key modes also
/// while the partitions that flow hold <c>clamp(2 x maxInFlight, MaxBufferedPerPartition / 2,
/// MaxBufferedPerPartition - 1)</c> records, so a backlog is taken in step with dispatch.</item>
/// <item>A partition is paused only for itself: at <see cref="KafkaOptions.MaxBufferedPerPartition"/>
/// records (resumed at half); once <em>stuck</em> (nothing of it settled for <see cref="StuckAfter"/>
/// while the consumer held) at its share of the byte bound (resumed when it settles again); and when
/// a record of it arrives from a poll made while the consumer held (<see cref="PartitionFlow.PausedForRoom"/>,
/// resumed once there is room).</item>
/// </list>
/// A stuck partition counts against the byte bound only up to its share while other partitions are not
/// stuck, so that it cannot take their room; what it took beyond its share before it stopped settling
/// stays (at most the bound again). When every partition is stuck, everything counts.
/// </summary>
internal sealed class BufferBudget
{
    /// <summary>While the consumer holds its budget, a partition none of whose records settled for this long stops counting against it.</summary>
    public static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    private readonly TimeProvider _time;
    private readonly int _perPartition;
    private readonly long _bytes;
    private readonly int _holdRecords;

    public BufferBudget(KafkaSubscriptionPlan plan, KafkaOptions options, TimeProvider time)
    {
        _time = time;
        _perPartition = options.MaxBufferedPerPartition;
        _bytes = options.MaxBufferedBytesPerConsumer;
        var holds = plan.Ordering != KafkaOrdering.Partition && _perPartition >= 3;
        _holdRecords = holds ? Math.Clamp(2 * plan.MaxInFlight, _perPartition / 2, _perPartition - 1) : int.MaxValue;
    }

    /// <summary>True when the partition must be paused for its own bound (records, or bytes once stuck).</summary>
    public bool MustPause(PartitionFlow flow, int partitions) =>
        flow.Buffered >= _perPartition || (flow.Stuck && flow.BufferedBytes >= Share(partitions));

    /// <summary>True when a paused partition may flow again; <paramref name="held"/>: the consumer holds its budget.</summary>
    public bool MayResume(PartitionFlow flow, int partitions, bool held) =>
        flow.PausedForRoom
            ? !held && !MustPause(flow, partitions)
            : flow.Buffered <= _perPartition / 2 && (!flow.Stuck || flow.BufferedBytes <= Share(partitions) / 2);

    /// <summary>
    /// What the partition's bytes weigh against the byte bound: a stuck partition's only up to its
    /// share while another partition is not stuck (<paramref name="othersFlow"/>), whose room it must
    /// not take. When every partition is stuck (the function is down), all bytes count.
    /// </summary>
    public long Counted(PartitionFlow flow, int partitions, bool othersFlow) =>
        flow.Stuck && othersFlow ? Math.Min(flow.BufferedBytes, Share(partitions)) : flow.BufferedBytes;

    /// <summary>
    /// What the partitions hold: all records and bytes (the gauge), the records of the partitions that
    /// flow (not paused, not stuck; the record budget), and the bytes as they count against the byte bound.
    /// </summary>
    public (int Buffered, long Bytes, int Flowing, long Counted) Tally(IReadOnlyCollection<PartitionFlow> flows)
    {
        var othersFlow = false;
        foreach (var flow in flows)
        {
            othersFlow |= !flow.Stuck;
        }

        var (buffered, bytes, flowing, counted) = (0, 0L, 0, 0L);
        foreach (var flow in flows)
        {
            var count = flow.Buffered;
            buffered += count;
            bytes += flow.BufferedBytes;
            counted += Counted(flow, flows.Count, othersFlow);
            if (!flow.Paused && !flow.Stuck)
            {
                flowing += count;
            }
        }

        return (buffered, bytes, flowing, counted);
    }

    /// <summary>True when the consumer holds its budget: <paramref name="records"/> of the partitions that flow, <paramref name="bytes"/> as <see cref="Counted"/>.</summary>
    public bool IsHeld(int records, long bytes) => records >= _holdRecords || bytes >= _bytes;

    /// <summary>
    /// The budget is held: a partition that settled nothing for <see cref="StuckAfter"/> (a record
    /// or key retrying, a full window) is marked stuck until one of its records settles, so that it
    /// cannot starve the others: it stops counting against the record budget, counts only its share
    /// against the byte bound, and is paused at that share.
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
