
namespace Triggers.Core.Kubernetes;

/// <summary>Runs work only while this replica is the leader; the work's token is cancelled the moment leadership is lost.</summary>
public interface ILeaderElector
{
    /// <summary>This replica's identity in the lease.</summary>
    string Identity { get; }

    bool IsLeader { get; }

    /// <summary>The holder last seen in the lease (this or another replica), or null before the first look.</summary>
    string? CurrentLeader { get; }

    /// <summary>
    /// Campaigns until <paramref name="cancellationToken"/> is cancelled. Each time this replica becomes
    /// leader, <paramref name="onStartedLeading"/> runs with a token that is cancelled as soon as the lease
    /// is lost (or on shutdown); <paramref name="onStoppedLeading"/> is called then. After a loss it campaigns again.
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync(Func{CancellationToken, Task}, Action?, CancellationToken)"/>; when
    /// <paramref name="cancellationToken"/> ends a term and <see cref="LeaderElectionOptions.ReleaseOnCancel"/>
    /// is set, the lease is released after the work has returned, unless <paramref name="abandon"/> is
    /// cancelled by then (a stop with no time left, which behaves like a crash).
    /// </summary>
    Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading, CancellationToken cancellationToken, CancellationToken abandon) =>
        RunAsync(onStartedLeading, onStoppedLeading, cancellationToken);
}
