using System.Collections.Concurrent;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// The one way a trigger's state reaches the status writer: the reconciler (conditions), the health
/// reporter (<c>Degraded</c>) and the cron worker (cron times) all ask here. One write at a time per
/// trigger, always of the store's state as it is when the write starts, so an older state never
/// lands after a newer one; requests made while a write waits are served by that one write.
/// </summary>
public sealed class TriggerStatusPublisher(TriggerStatusStore store, ITriggerStatusWriter writer)
{
    private readonly ConcurrentDictionary<(ResourceKind, ResourceKey), Gate> _gates = new();

    /// <summary>Writes the trigger's current state (nothing when the store has none).</summary>
    public async Task PublishAsync(ResourceKind kind, ResourceKey trigger, CancellationToken cancellationToken)
    {
        var gate = _gates.GetOrAdd((kind, trigger), static _ => new Gate());
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
            if (store.Get(kind, trigger) is { } state)
            {
                await writer.WriteAsync(state, cancellationToken).ConfigureAwait(false);
            }

            Volatile.Write(ref gate.Written, served);
        }
        finally
        {
            gate.Lock.Release();
        }
    }

    private sealed class Gate
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public long Requested;
        public long Written;
    }
}
