using Microsoft.Extensions.Options;
using Triggers.Core.Reconcile;
using Triggers.Nats.Internal;

namespace Triggers.Nats;

/// <summary>
/// The running NATS subscriptions of this worker, keyed by <c>namespace/trigger/function</c>.
/// Each has its own workers, so a slow function never holds up another subscription.
/// </summary>
public sealed class NatsSubscriptionSet : ISubscriptionSet<NatsSubscriptionPlan>, IAsyncDisposable
{
    private readonly Dictionary<string, RunningSubscription> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly NatsConnectionHolder _connection;
    private readonly NatsEventHandler _handler;
    private readonly NatsOptions _options;
    private readonly ILogger<NatsSubscriptionSet> _logger;
    private int _disposed;

    internal NatsSubscriptionSet(NatsConnectionHolder connection, NatsEventHandler handler, IOptions<NatsOptions> options, ILogger<NatsSubscriptionSet> logger)
    {
        _connection = connection;
        _handler = handler;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Keys of the subscriptions running now.</summary>
    public IReadOnlyCollection<string> Keys
    {
        get
        {
            _gate.Wait();
            try
            {
                return [.. _running.Keys];
            }
            finally
            {
                _gate.Release();
            }
        }
    }

    public async Task UpsertAsync(NatsSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _running.TryGetValue(plan.Key, out var old);

            // Same subject and queue group (or consumer): start the new one first, so the group never
            // loses a member. Anything else: stop the old one first, so an old topic never lingers.
            var makeBeforeBreak = old is not null && old.Plan.Subject == plan.Subject && old.Plan.QueueGroup == plan.QueueGroup && old.Plan.JetStream == plan.JetStream;
            if (old is not null && !makeBeforeBreak)
            {
                _running.Remove(plan.Key);
                await StopAsync(old, cancellationToken).ConfigureAwait(false);
            }

            var started = await StartAsync(plan, cancellationToken).ConfigureAwait(false);
            _running[plan.Key] = started;
            if (old is not null && makeBeforeBreak)
            {
                await StopAsync(old, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running.Remove(key, out var old))
            {
                await StopAsync(old, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        // Shutdown may come with an already cancelled token: take the gate regardless so nothing leaks.
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            var all = _running.Values.ToList();
            _running.Clear();
            await Task.WhenAll(all.Select(s => StopAsync(s, cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await RemoveAllAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<RunningSubscription> StartAsync(NatsSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        var context = SubscriptionContext.For(plan);
        RunningSubscription subscription = plan.JetStream is null
            ? new CoreSubscription(context, _connection.Connection, _handler, _options.DrainTimeout, _logger)
            : new JetStreamSubscription(context, _connection.Connection, _handler, _options.DrainTimeout, _logger);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.SubscribeTimeout);
        try
        {
            await subscription.StartAsync(timeout.Token).ConfigureAwait(false);
            return subscription;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw new TimeoutException($"subscribing to {plan.Subject} did not complete within {_options.SubscribeTimeout} (Nats:SubscribeTimeout); is NATS reachable?");
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task StopAsync(RunningSubscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await subscription.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
        }
    }
}
