
namespace Triggers.Core.Kubernetes;

/// <summary>Settings of <c>Triggers:LeaderElection</c>: the Lease and its timings.</summary>
public sealed class LeaderElectionOptions
{
    public const string Section = "Triggers:LeaderElection";

    /// <summary>When false (or with the manifests source) every replica acts as leader.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Name of the <c>coordination.k8s.io/v1</c> Lease; defaults to the worker's lease name.</summary>
    public string? LeaseName { get; set; }

    /// <summary>Namespace of the Lease; defaults to <c>Triggers:Namespace</c>, then <c>POD_NAMESPACE</c>, the pod's service-account namespace, then <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's identity; defaults to <c>POD_NAME</c>, else the host name plus a random suffix.</summary>
    public string? Identity { get; set; }

    /// <summary>How long a lease holds without renewal (whole seconds, at least 1).</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How long the leader keeps trying to renew before it gives up leadership.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Pause between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// On a graceful stop, give the Lease up (empty holder, one-second duration) once the leader's work
    /// has returned, so another replica takes over at its next attempt instead of after the lease expires
    /// (client-go's <c>ReleaseOnCancel</c>). The work must have stopped acting as leader by then.
    /// </summary>
    public bool ReleaseOnCancel { get; set; }
}
