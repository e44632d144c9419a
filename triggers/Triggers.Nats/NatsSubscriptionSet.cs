using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Nats.Internal;

namespace Triggers.Nats;

/// <summary>
/// The running NATS subscriptions of this worker, keyed by <c>namespace/trigger/function</c>.
/// Each has its own workers, so a slow function never holds up another subscription.
/// </summary>
public sealed class NatsSubscriptionSet : ISubscriptionSet<NatsSubscriptionPlan>, IAsyncDisposable
{
    private readonly Dictionary<string, RunningSubscription> _running = new(StringComparer.Ordinal);
    private readonly Lock _runningLock = new();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly NatsConnectionHolder _connection;
    private readonly NatsEventHandler _handler;
    private readonly NatsOptions _options;
    private readonly ILogger<NatsSubscriptionSet> _logger;
    private readonly TimeProvider _time;
    private readonly TriggerHealthReporter _health;
    private int _disposed;

    internal NatsSubscriptionSet(NatsConnectionHolder connection, NatsEventHandler handler, IOptions<NatsOptions> options, TimeProvider time, TriggerHealthReporter health, ILogger<NatsSubscriptionSet> logger)
    {
        _health = health;
        _time = time;
        _connection = connection;
        _handler = handler;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>How many subscriptions a batch starts at once: each start waits for the server to confirm it.</summary>
    internal const int MaxConcurrentStarts = 64;

    /// <summary>Keys of the subscriptions running now.</summary>
    public IReadOnlyCollection<string> Keys
    {
        get
        {
            lock (_runningLock)
            {
                return [.. _running.Keys];
            }
        }
    }

    public async Task UpsertAsync(NatsSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await UpsertLockedAsync(plan, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Starts up to <see cref="MaxConcurrentStarts"/> subscriptions at a time: one at a time,
    /// 10,000 triggers took 10,000 round trips to the server before the worker was ready.
    /// Each key is still handled exactly as <see cref="UpsertAsync"/> handles it.
    /// </summary>
    public async Task<Exception?[]> UpsertManyAsync(IReadOnlyList<NatsSubscriptionPlan> plans, CancellationToken cancellationToken)
    {
        if (plans.Select(p => p.Key).Distinct(StringComparer.Ordinal).Count() != plans.Count)
        {
            throw new ArgumentException("plans must have distinct keys", nameof(plans));
        }

        var results = new Exception?[plans.Count];
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var next = -1;
            async Task StartSomeAsync()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < plans.Count)
                {
                    try
                    {
                        await UpsertLockedAsync(plans[i], cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        results[i] = e;
                    }
                }
            }

            var starters = new Task[Math.Min(MaxConcurrentStarts, plans.Count)];
            for (var i = 0; i < starters.Length; i++)
            {
                starters[i] = StartSomeAsync();
            }

            await Task.WhenAll(starters).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }

        return results;
    }

    /// <summary>Under the gate; concurrent calls (a batch) always have distinct keys.</summary>
    private async Task UpsertLockedAsync(NatsSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        RunningSubscription? old;
        lock (_runningLock)
        {
            _running.TryGetValue(plan.Key, out old);
        }

        // Same subject and queue group (or consumer): start the new one first, so the group never
        // loses a member. Anything else: stop the old one first, so an old topic never lingers.
        var makeBeforeBreak = old is not null && old.Plan.Subject == plan.Subject && old.Plan.QueueGroup == plan.QueueGroup && old.Plan.JetStream == plan.JetStream;
        if (old is not null && !makeBeforeBreak)
        {
            lock (_runningLock)
            {
                _running.Remove(plan.Key);
            }

            await StopAsync(old, cancellationToken).ConfigureAwait(false);
        }

        var started = await StartAsync(plan, cancellationToken).ConfigureAwait(false);
        lock (_runningLock)
        {
            _running[plan.Key] = started;
        }

        if (old is not null && makeBeforeBreak)
        {
            await StopAsync(old, cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            RunningSubscription? old;
            lock (_runningLock)
            {
                _running.Remove(key, out old);
            }

            if (old is not null)
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
            List<RunningSubscription> all;
            lock (_runningLock)
            {
                all = [.. _running.Values];
                _running.Clear();
            }

            await Task.WhenAll(all.Select(s => StopAsync(s, cancellationToken))).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The trigger was deleted: deletes its JetStream durable consumer from the server, unless a
    /// subscription running here still uses it. Already gone (another replica was first) is fine.
    /// </summary>
    public async Task CleanUpAsync(NatsSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        if (plan.JetStream is not { } jetStream)
        {
            return;
        }

        lock (_runningLock)
        {
            if (_running.Values.Any(r => r.Plan.JetStream is { } other && other.Stream == jetStream.Stream && other.Consumer == jetStream.Consumer))
            {
                return;
            }
        }

        try
        {
            await new NatsJSContext(_connection.Connection).DeleteConsumerAsync(jetStream.Stream, jetStream.Consumer, cancellationToken).ConfigureAwait(false);
            Log.ConsumerDeleted(_logger, plan.Key, jetStream.Stream, jetStream.Consumer);
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            // Consumer or stream already gone.
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
        var context = SubscriptionContext.For(plan, _health.Track(ResourceKind.NatsTrigger, plan.Trigger));
        RunningSubscription subscription = plan.JetStream is null
            ? new CoreSubscription(context, _connection, _handler, _options, _time, _logger)
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
