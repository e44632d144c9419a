using System.Collections.Concurrent;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The one way back from the dispatch side to the consumer thread: settled records (delivered,
/// dead-lettered, or skipped as poison) waiting for their offsets to be stored. The consumer thread
/// may wait here for a share of what it holds to settle before it takes more records. Never
/// disposed: an abandoned run may still settle into it after its consumer stopped.
/// </summary>
internal sealed class SettledRecords
{
    private readonly ConcurrentQueue<(PartitionFlow Flow, long Offset)> _settled = new();
    private readonly ManualResetEventSlim _signal = new(false);
    private int _waiting;
    private int _wakeCountdown;

    /// <summary>Dispatch side: the record at <paramref name="offset"/> (<paramref name="bytes"/> heavy) is settled.</summary>
    public void Settle(PartitionFlow flow, long offset, int bytes)
    {
        flow.Released(bytes);
        _settled.Enqueue((flow, offset));
        if (Volatile.Read(ref _waiting) == 1 && Interlocked.Decrement(ref _wakeCountdown) == 0)
        {
            _signal.Set();
        }
    }

    /// <summary>Consumer thread: the next settled record, if any.</summary>
    public bool TryTake(out PartitionFlow flow, out long offset)
    {
        if (_settled.TryDequeue(out var settled))
        {
            (flow, offset) = settled;
            return true;
        }

        (flow, offset) = (null!, 0);
        return false;
    }

    /// <summary>Consumer thread: waits until <paramref name="count"/> more records settled, or <paramref name="timeout"/>.</summary>
    public void WaitFor(int count, TimeSpan timeout)
    {
        Volatile.Write(ref _wakeCountdown, Math.Max(1, count));
        _signal.Reset();
        Interlocked.Exchange(ref _waiting, 1);
        try
        {
            if (_settled.IsEmpty)
            {
                _signal.Wait(timeout);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _waiting, 0);
        }
    }
}
