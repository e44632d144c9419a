using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// The one way a trigger's state reaches the status writer: the reconciler (conditions), the health
/// reporter (<c>Degraded</c>) and the cron worker (cron times) all ask here. One write at a time per
/// trigger, always of the store's state as it is when the write starts, so an older state never
/// lands after a newer one; requests made while a write waits are served by that one write. A
/// trigger's gate lives while the store has its state or a write is under way, so churn leaves nothing behind.
/// </summary>
public sealed class TriggerStatusPublisher
{
    private readonly Dictionary<(ResourceKind, ResourceKey), Gate> _gates = [];
    private readonly Lock _gatesLock = new();
    private readonly TriggerStatusStore _store;
    private readonly ITriggerStatusWriter _writer;

    public TriggerStatusPublisher(TriggerStatusStore store, ITriggerStatusWriter writer)
    {
        _store = store;
        _writer = writer;
        store.Removed += Forget;
    }

    /// <summary>How many triggers have a gate now (for tests: it returns to zero when every trigger is gone).</summary>
    internal int TrackedTriggers
    {
        get
        {
            lock (_gatesLock)
            {
                return _gates.Count;
            }
        }
    }

    /// <summary>Writes the trigger's current state (nothing when the store has none).</summary>
    public async Task PublishAsync(ResourceKind kind, ResourceKey trigger, CancellationToken cancellationToken)
    {
        var gate = Enter(kind, trigger);
        try
        {
            var ticket = Interlocked.Increment(ref gate.Requested);
            await gate.Lock.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                // A write that started after this request read the store after its change: nothing left to write.
                if (Volatile.Read(ref gate.Written) >= ticket)
                {
                    return;
                }

                var served = Volatile.Read(ref gate.Requested);
                if (_store.Get(kind, trigger) is { } state)
                {
                    await _writer.WriteAsync(state, cancellationToken).ConfigureAwait(false);
                }

                Volatile.Write(ref gate.Written, served);
            }
            finally
            {
                gate.Lock.Release();
            }
        }
        finally
        {
            Leave(kind, trigger, gate);
        }
    }

    private Gate Enter(ResourceKind kind, ResourceKey trigger)
    {
        lock (_gatesLock)
        {
            if (!_gates.TryGetValue((kind, trigger), out var gate))
            {
                gate = new Gate();
                _gates[(kind, trigger)] = gate;
            }

            gate.Users++;
            return gate;
        }
    }

    // The last user of a gate whose trigger the store no longer has lets it go: no write is under way, so a later one starts afresh.
    private void Leave(ResourceKind kind, ResourceKey trigger, Gate gate)
    {
        lock (_gatesLock)
        {
            if (--gate.Users == 0 && _store.Get(kind, trigger) is null)
            {
                _gates.Remove((kind, trigger));
            }
        }
    }

    // The trigger is gone from the store (deleted, or no longer this worker's): drop its gate unless a write holds it (that write's Leave does).
    private void Forget(ResourceKind kind, ResourceKey trigger)
    {
        lock (_gatesLock)
        {
            if (_gates.TryGetValue((kind, trigger), out var gate) && gate.Users == 0)
            {
                _gates.Remove((kind, trigger));
            }
        }
    }

    private sealed class Gate
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public long Requested;
        public long Written;
        public int Users;
    }
}
