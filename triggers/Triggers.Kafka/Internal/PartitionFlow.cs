using System.Threading.Channels;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The records of one assigned partition on their way to the function. The consumer thread owns
/// the offset bookkeeping (<see cref="AddPending"/>, <see cref="NextOffset"/>, <see cref="Stored"/>,
/// <see cref="Paused"/>); the dispatch side reads <see cref="Queue"/> and reports settled offsets.
/// Giving the partition up is two steps: <see cref="Stop"/> (no new record or attempt starts, what
/// is in flight goes on) and, once the grace period is over, <see cref="Abandon"/> (in-flight POSTs
/// are cancelled; their records stay unsettled and are delivered again by the next owner).
/// </summary>
internal sealed class PartitionFlow(TopicPartition partition) : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abandon = new();
    private TaskCompletionSource _windowMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<long> _pending = new();
    private readonly HashSet<long> _settledAhead = [];
    private long _committed = -1;
    private int _buffered;
    private long _bufferedBytes;
    private int _running;
    private int _draining;
    private volatile bool _stopping;

    public TopicPartition Partition { get; } = partition;

    /// <summary>Records received and not yet settled. Unbounded on purpose: the consumer thread must never block; the partition is paused instead.</summary>
    public Channel<ConsumeResult<byte[], byte[]>> Queue { get; } = Channel.CreateUnbounded<ConsumeResult<byte[], byte[]>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Cancelled when in-flight work must be abandoned (grace period over, lost partition, failed consumer).</summary>
    public CancellationToken Abandoned => _abandon.Token;

    /// <summary>Cancelled when the partition is being given up (revoke, edit, stop): waits for a window, a slot or a retry end; in-flight POSTs go on.</summary>
    public CancellationToken Stopped => _stop.Token;

    /// <summary>Set when the partition is being given up: no new record is started.</summary>
    public bool Stopping => _stopping;

    /// <summary>The dispatch side of this partition; completes when nothing of it runs any more.</summary>
    public Task Worker { get; set; } = Task.CompletedTask;

    // Consumer-thread state.

    /// <summary>Offsets received and not settled. Records arrive in offset order, so the oldest is at the head: O(1) per record, no allocation per record.</summary>
    public int PendingCount => _pending.Count;

    /// <summary>The lowest unsettled offset: what may be stored (everything before it is settled).</summary>
    public long LowestPending => _pending.Peek();

    public long NextOffset { get; set; } = -1;

    /// <summary>Nothing of it settled for a while: it does not count against the consumer's hold budget.</summary>
    public bool Stuck { get; set; }

    /// <summary>When a record of this partition last settled (or the partition was assigned, or received a record after idling), as a timestamp of the consumer's <see cref="TimeProvider"/>.</summary>
    public long LastSettled { get; set; }

    public long Stored { get; set; } = -1;

    public bool Paused { get; set; }

    public bool Gone { get; set; }

    /// <summary>Records received and not settled: what this partition holds in memory.</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Bytes (keys, values, headers) of the records received and not settled.</summary>
    public long BufferedBytes => Interlocked.Read(ref _bufferedBytes);

    /// <summary>Lowest offset not yet known to be committed; the uncommitted window starts here.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    /// <summary>What a record weighs against the byte bound: its key, value and header names and values.</summary>
    public static int SizeOf(ConsumeResult<byte[], byte[]> record)
    {
        var message = record.Message;
        var size = (message.Key?.Length ?? 0) + (message.Value?.Length ?? 0);
        if (message.Headers is { Count: > 0 } headers)
        {
            for (var i = 0; i < headers.Count; i++)
            {
                var header = headers[i];
                size += header.Key.Length + (header.GetValueBytes()?.Length ?? 0);
            }
        }

        return size;
    }

    public void Received(int bytes)
    {
        Interlocked.Increment(ref _buffered);
        Interlocked.Add(ref _bufferedBytes, bytes);
    }

    public void Released(int bytes)
    {
        Interlocked.Decrement(ref _buffered);
        Interlocked.Add(ref _bufferedBytes, -bytes);
    }

    public void StartWindowAt(long offset)
    {
        if (Interlocked.CompareExchange(ref _committed, offset, -1) == -1)
        {
            Pulse();
        }
    }

    /// <summary>Records a commit; wakes records waiting for the window to move.</summary>
    public void CommittedUpTo(long offset)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _committed);
            if (offset <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _committed, offset, current) != current);
        Pulse();
    }

    /// <summary>Waits until <paramref name="offset"/> lies inside the window of <paramref name="window"/> uncommitted records.</summary>
    public async ValueTask WaitForWindowAsync(long offset, int window, CancellationToken cancellationToken)
    {
        while (true)
        {
            var moved = Volatile.Read(ref _windowMoved).Task;
            var committed = Committed;
            if (committed >= 0 && offset < committed + window)
            {
                return;
            }

            await moved.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Consumer thread: a record was received.</summary>
    public void AddPending(long offset) => _pending.Enqueue(offset);

    /// <summary>Consumer thread: a record settled; the head moves past every settled offset.</summary>
    public void RemovePending(long offset)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        if (_pending.Peek() != offset)
        {
            _settledAhead.Add(offset);
            return;
        }

        _pending.Dequeue();
        while (_settledAhead.Count > 0 && _pending.TryPeek(out var head) && _settledAhead.Remove(head))
        {
            _pending.Dequeue();
        }
    }

    /// <summary>Dispatch side: one more record (or key lane) runs detached from the partition's reader.</summary>
    public void BeginRun() => Interlocked.Increment(ref _running);

    /// <summary>Dispatch side: a detached run ended.</summary>
    public void EndRun()
    {
        if (Interlocked.Decrement(ref _running) == 0 && Volatile.Read(ref _draining) == 1)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Completes once no detached run is left (called once, when the reader stops).</summary>
    public Task DrainAsync()
    {
        Interlocked.Exchange(ref _draining, 1);
        if (Volatile.Read(ref _running) == 0)
        {
            _drained.TrySetResult();
        }

        return _drained.Task;
    }

    /// <summary>No new record (or retry round) starts; in-flight POSTs go on.</summary>
    public void Stop()
    {
        _stopping = true;
        _stop.Cancel();
    }

    /// <summary>In-flight POSTs are cancelled as well.</summary>
    public void Abandon()
    {
        Stop();
        _abandon.Cancel();
    }

    public void Dispose()
    {
        _stop.Dispose();
        _abandon.Dispose();
    }

    private void Pulse() => Interlocked.Exchange(ref _windowMoved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
