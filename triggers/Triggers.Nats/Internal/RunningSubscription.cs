using System.Threading.Channels;
using Triggers.Core.Reconcile;

namespace Triggers.Nats.Internal;

/// <summary>One started subscription: a source of messages and <c>maxInFlight</c> workers settling them.</summary>
internal abstract class RunningSubscription(SubscriptionContext context, TimeSpan drainTimeout, ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _abort = new();
    private readonly SubscriptionHealth _health = context.Health;
    private Task _workers = Task.CompletedTask;
    private volatile bool _stopping;
    private int _endLogged;

    public NatsSubscriptionPlan Plan => Context.Plan;

    protected SubscriptionContext Context { get; } = context;

    protected ILogger Logger { get; } = logger;

    /// <summary>Cancelled when in-flight work must be abandoned (drain timeout, hard stop).</summary>
    protected CancellationToken AbortToken => _abort.Token;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops taking new messages, lets in-flight and buffered ones finish (bounded), then abandons the rest.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping = true;
        try
        {
            await StopFetchingAsync(cancellationToken).ConfigureAwait(false);
            await _workers.WaitAsync(drainTimeout, cancellationToken).ConfigureAwait(false);
            Log.Drained(Logger, Plan.Key);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            Log.DrainTimedOut(Logger, Plan.Key, drainTimeout);
        }
        finally
        {
            await _abort.CancelAsync().ConfigureAwait(false);
            await AbandonAsync().ConfigureAwait(false);
            await _workers.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public virtual ValueTask DisposeAsync()
    {
        _health.Dispose();
        _abort.Dispose();
        return default;
    }

    /// <summary>
    /// One pump per subscription reads the buffer and starts each message as soon as one of
    /// <c>maxInFlight</c> slots is free. A single waiter: 128 workers waiting on one channel spent
    /// their time contending on its lock (profile in docs/benchmarks.md); a slot that ends only
    /// takes what is already buffered (<c>RunAsync</c>).
    /// </summary>
    protected void StartWorkers<T>(ChannelReader<T> reader, Func<T, CancellationToken, Task> handle) =>
        _workers = Task.Run(() => PumpAsync(reader, handle), CancellationToken.None);

    protected abstract Task StopFetchingAsync(CancellationToken cancellationToken);

    /// <summary>Hands back whatever was buffered but never started.</summary>
    protected virtual Task AbandonAsync() => Task.CompletedTask;

    private async Task PumpAsync<T>(ChannelReader<T> reader, Func<T, CancellationToken, Task> handle)
    {
        using var scope = Logger.BeginScope(Context.LogScope);
        var slots = Plan.MaxInFlight;
        using var free = new SemaphoreSlim(slots, slots);
        try
        {
            while (true)
            {
                // A slot first, then a message: nothing is taken from the buffer that cannot start,
                // so whatever is still buffered on a stop can be handed back (JetStream nak).
                // No token on the wait: under load the pump waits for a slot before every message,
                // and a cancellable wait costs a promise, a registration on the subscription's
                // shared abort source and a second continuation each time. An abort cancels every
                // running message, and the first that ends frees the slot this wait needs.
                await free.WaitAsync().ConfigureAwait(false);
                if (_abort.IsCancellationRequested)
                {
                    free.Release();
                    break;
                }

                if (!reader.TryRead(out var item))
                {
                    try
                    {
                        item = await reader.ReadAsync(_abort.Token).ConfigureAwait(false);
                    }
                    catch (ChannelClosedException)
                    {
                        free.Release();
                        break;
                    }
                    catch
                    {
                        free.Release();
                        throw;
                    }
                }

                _ = RunAsync(item, reader, handle, free);
            }

            if (!_stopping && !_abort.IsCancellationRequested && Interlocked.Exchange(ref _endLogged, 1) == 0)
            {
                Log.SubscriptionEnded(Logger, Plan.Key);
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
        }
        finally
        {
            // Every slot back means every started message has settled.
            for (var i = 0; i < slots; i++)
            {
                await free.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Settles <paramref name="item"/> in its slot, then, while the buffer holds more and nothing
    /// aborted, the next one in the same slot: under load the next message is always waiting, and
    /// handing the slot back to the pump cost every message a lock on the slots, a waiter and a
    /// thread-pool dispatch to resume the pump. The slot goes back once the buffer is empty, so only
    /// the pump ever waits on the buffer.
    /// </summary>
    private async Task RunAsync<T>(T item, ChannelReader<T> reader, Func<T, CancellationToken, Task> handle, SemaphoreSlim free)
    {
        try
        {
            while (true)
            {
                try
                {
                    await handle(item, _abort.Token).ConfigureAwait(false);
                    _health.Handled();
                }
                catch (OperationCanceledException) when (_abort.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    // One bad message must never end the subscription; its trigger says so (Degraded).
                    Log.HandlerFailed(Logger, Plan.Key, e);
                    _health.Failed(ConditionReasons.MessageHandlingFailed, $"handling a message on {Plan.Subject} for function {Plan.Function.Namespace}/{Plan.Function.Name}", e);
                }

                if (_abort.IsCancellationRequested || !reader.TryRead(out var next))
                {
                    break;
                }

                item = next;
            }
        }
        finally
        {
            free.Release();
        }
    }
}
