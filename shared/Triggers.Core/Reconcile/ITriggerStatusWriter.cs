
namespace Triggers.Core.Reconcile;

/// <summary>Writes a trigger's status back to where it lives (the API server's status subresource).</summary>
public interface ITriggerStatusWriter
{
    Task WriteAsync(TriggerState state, CancellationToken cancellationToken);
}
