
namespace Triggers.Core.Kubernetes;

/// <summary>For a single instance (manifests mode, or election disabled): always the leader.</summary>
public sealed class SingleInstanceLeaderElector : ILeaderElector
{
    private volatile bool _leading;

    public string Identity { get; } = Environment.MachineName;

    public bool IsLeader => _leading;

    public string? CurrentLeader => _leading ? Identity : null;

    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(onStartedLeading);
        _leading = true;
        try
        {
            await onStartedLeading(cancellationToken).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _leading = false;
            onStoppedLeading?.Invoke();
        }
    }
}
