
namespace Triggers.Core.Reconcile;

/// <summary>Status writer for sources that have nowhere to write (manifests): the store and <c>/status</c> are the record.</summary>
public sealed class NullTriggerStatusWriter : ITriggerStatusWriter
{
    public Task WriteAsync(TriggerState state, CancellationToken cancellationToken) => Task.CompletedTask;
}
