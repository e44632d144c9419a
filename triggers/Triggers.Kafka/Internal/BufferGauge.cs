namespace Triggers.Kafka.Internal;

/// <summary>
/// What one consumer holds in memory, as health, metrics and the flow-control tests read it: records
/// and bytes received and not yet settled, and the peaks the bounds of <see cref="BufferBudget"/> are
/// checked against. Written by the consumer thread only; read from any thread.
/// </summary>
internal sealed class BufferGauge
{
    private volatile int _buffered;
    private volatile int _peakPerPartition;
    private long _bytes;
    private long _peakBytes;

    /// <summary>Records received and not yet settled, over all assigned partitions (recounted by <see cref="Recount"/>).</summary>
    public int Buffered => _buffered;

    /// <summary>Bytes of the records received and not yet settled, over all assigned partitions.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>The most records one partition ever held at once: what the per-partition bound is checked against.</summary>
    public int PeakPerPartition => _peakPerPartition;

    /// <summary>The most bytes the consumer ever held at once: what the per-consumer byte bound is checked against.</summary>
    public long PeakBytes => Interlocked.Read(ref _peakBytes);

    /// <summary>A record of <paramref name="size"/> bytes joined a partition that now holds <paramref name="partitionBuffered"/> records.</summary>
    public void Received(int partitionBuffered, int size)
    {
        if (partitionBuffered > _peakPerPartition)
        {
            _peakPerPartition = partitionBuffered;
        }

        var bytes = Interlocked.Add(ref _bytes, size);
        if (bytes > Interlocked.Read(ref _peakBytes))
        {
            Interlocked.Exchange(ref _peakBytes, bytes);
        }
    }

    /// <summary>The totals, recounted over the partitions after records settled.</summary>
    public void Recount(int buffered, long bytes)
    {
        _buffered = buffered;
        Interlocked.Exchange(ref _bytes, bytes);
    }
}
