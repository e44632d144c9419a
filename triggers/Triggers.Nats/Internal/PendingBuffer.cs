using System.Threading.Channels;

namespace Triggers.Nats.Internal;

/// <summary>
/// One core NATS subscription's own buffer, bounded in messages and in bytes. Writing never waits:
/// when either bound is reached the newest message is refused (and the caller counts it dropped),
/// so the connection's single reader never stalls on one slow subscription. Reading releases the
/// message's share of both bounds.
/// </summary>
internal sealed class PendingBuffer<T>(int maxMessages, long maxBytes) : ChannelReader<T>
{
    private readonly Channel<(T Item, int Size)> _channel = Channel.CreateUnbounded<(T, int)>(new UnboundedChannelOptions
    {
        // Read by the pump and by every slot that ends (RunningSubscription); written by the forwarder.
        SingleWriter = true,
    });

    private int _count;
    private long _bytes;

    public override bool CanCount => true;

    public override int Count => Volatile.Read(ref _count);

    public long Bytes => Interlocked.Read(ref _bytes);

    public override Task Completion => _channel.Reader.Completion;

    /// <summary>Buffers the message, or returns false when it would exceed either bound. One message larger than the byte bound still fits into an empty buffer.</summary>
    public bool TryWrite(T item, int size)
    {
        var count = Volatile.Read(ref _count);
        if (count >= maxMessages || (count > 0 && Interlocked.Read(ref _bytes) + size > maxBytes))
        {
            return false;
        }

        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _bytes, size);
        if (!_channel.Writer.TryWrite((item, size)))
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Add(ref _bytes, -size);
            return false;
        }

        return true;
    }

    public void Complete(Exception? error = null) => _channel.Writer.TryComplete(error);

    public override bool TryRead(out T item)
    {
        if (_channel.Reader.TryRead(out var entry))
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Add(ref _bytes, -entry.Size);
            item = entry.Item;
            return true;
        }

        item = default!;
        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.WaitToReadAsync(cancellationToken);
}
