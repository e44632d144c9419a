using System.Threading.Channels;
using NATS.Client.Core;

namespace Triggers.Nats.Internal;

/// <summary>
/// A core NATS queue subscription. The client hands messages to a channel of its own; a forwarder
/// moves them at once into this subscription's <see cref="PendingBuffer{T}"/>, bounded in messages
/// and bytes, dropping (and counting) the newest when it is full. Neither channel ever waits, so a
/// slow function loses its own messages instead of stalling every other subscription.
/// </summary>
internal sealed class CoreSubscription(
    SubscriptionContext context,
    NatsConnectionHolder connection,
    NatsEventHandler handler,
    NatsOptions options,
    TimeProvider time,
    ILogger logger) : RunningSubscription(context, options.DrainTimeout, logger)
{
    private const int FloodBatch = 64;
    private static readonly TimeSpan FloodPause = TimeSpan.FromMilliseconds(1);

    private readonly PendingBuffer<NatsMsg<byte[]>> _buffer = new(options.PendingMessagesLimit, options.PendingBytesLimit);
    private readonly DropReporter _drops = new(context, connection, time, logger);
    private INatsSub<byte[]>? _sub;
    private Task _forward = Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var opts = new NatsSubOpts
        {
            ChannelOpts = new NatsSubChannelOpts
            {
                // As large as the buffer: a forwarder starved of CPU for a moment (seen under heavy
                // load with a 1,024-message channel: a 100,000-message burst lost 98%) must not
                // cost messages the buffer has room for. It is normally empty.
                Capacity = options.PendingMessagesLimit,
                FullMode = BoundedChannelFullMode.DropNewest,
            },
        };
        _sub = await connection.Connection.SubscribeCoreAsync<byte[]>(Plan.Subject, Plan.QueueGroup, opts: opts, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (_sub is NatsSubBase registered)
        {
            connection.Register(registered, _drops);
        }

        // The server answers a PING only after it processed our SUB: "Subscribed" then means it.
        await connection.Connection.PingAsync(cancellationToken).ConfigureAwait(false);
        _forward = Task.Run(() => ForwardAsync(_sub.Msgs), CancellationToken.None);
        StartWorkers(_buffer, (msg, ct) => handler.HandleCoreAsync(Context, msg, ct));
        Log.Subscribed(Logger, Plan.Key, Plan.Subject, Plan.QueueGroup, Plan.MaxInFlight);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_sub is not null)
        {
            await _sub.DisposeAsync().ConfigureAwait(false);
        }

        _buffer.Complete();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    // Unsubscribing completes the client's channel, the forwarder then completes the buffer, and
    // the workers finish what it still holds.
    protected override async Task StopFetchingAsync(CancellationToken cancellationToken)
    {
        if (_sub is not null)
        {
            await _sub.UnsubscribeAsync().AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await _forward.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task ForwardAsync(ChannelReader<NatsMsg<byte[]>> messages)
    {
        try
        {
            while (await messages.WaitToReadAsync().ConfigureAwait(false))
            {
                var moved = 0;
                while (messages.TryRead(out var msg))
                {
                    moved++;
                    if (!_buffer.TryWrite(msg, msg.Size))
                    {
                        _drops.Dropped(_buffer.Count, _buffer.Bytes);
                    }
                }

                // Under a flood, waking once per message costs the whole worker a thread-pool
                // dispatch per message; pausing a millisecond lets the next batch gather instead.
                if (moved >= FloodBatch)
                {
                    await Task.Delay(FloodPause, time).ConfigureAwait(false);
                }
            }

            _buffer.Complete();
        }
        catch (Exception e)
        {
            _buffer.Complete(e is ChannelClosedException ? null : e);
        }
    }
}
