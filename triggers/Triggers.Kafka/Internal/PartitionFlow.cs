using System.Threading.Channels;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The records of one assigned partition on their way to the function. The consumer thread owns
/// the offset bookkeeping (<see cref="Pending"/>, <see cref="NextOffset"/>, <see cref="Stored"/>,
/// <see cref="Paused"/>); the dispatch side reads <see cref="Queue"/> and reports settled offsets.
/// </summary>
internal sealed class PartitionFlow(TopicPartition partition, CancellationToken stopping) : IDisposable
{
    private readonly CancellationTokenSource _abandon = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private TaskCompletionSource _windowMoved = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _committed = -1;
    private int _buffered;
    private volatile bool _stopping;

    public TopicPartition Partition { get; } = partition;

    /// <summary>Records received and not yet settled. Unbounded on purpose: the consumer thread must never block; the partition is paused instead.</summary>
    public Channel<ConsumeResult<byte[], byte[]>> Queue { get; } = Channel.CreateUnbounded<ConsumeResult<byte[], byte[]>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });

    /// <summary>Cancelled when in-flight work must be abandoned (grace period over, lost partition, shutdown).</summary>
    public CancellationToken Abandoned => _abandon.Token;

    /// <summary>Set when the partition is being given up: no new record is started.</summary>
    public bool Stopping => _stopping;

    /// <summary>The dispatch side of this partition; completes when nothing of it runs any more.</summary>
    public Task Worker { get; set; } = Task.CompletedTask;

    // Consumer-thread state.
    public SortedSet<long> Pending { get; } = [];

    public long NextOffset { get; set; } = -1;

    public long Stored { get; set; } = -1;

    public bool Paused { get; set; }

    public bool Gone { get; set; }

    /// <summary>Records received and not settled: what this partition holds in memory.</summary>
    public int Buffered => Volatile.Read(ref _buffered);

    /// <summary>Lowest offset not yet known to be committed; the uncommitted window starts here.</summary>
    public long Committed => Interlocked.Read(ref _committed);

    public void Received() => Interlocked.Increment(ref _buffered);

    public void Released() => Interlocked.Decrement(ref _buffered);

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

    public void Stop() => _stopping = true;

    public void Abandon()
    {
        _stopping = true;
        _abandon.Cancel();
    }

    public void Dispose() => _abandon.Dispose();

    private void Pulse() => Interlocked.Exchange(ref _windowMoved, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
