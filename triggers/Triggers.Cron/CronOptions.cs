namespace Triggers.Cron;

/// <summary>Settings of the cron worker (<c>Cron</c> section): leader election on a <c>coordination.k8s.io/v1</c> Lease, status writes, the run endpoint.</summary>
public sealed class CronOptions
{
    public const string Section = "Cron";

    /// <summary>Elect a leader among replicas (Kubernetes source only; manifests mode always leads).</summary>
    public bool LeaderElection { get; set; } = true;

    /// <summary>Name of the Lease the replicas compete for.</summary>
    public string LeaseName { get; set; } = "triggers-cron";

    /// <summary>Namespace of the Lease; empty uses <c>POD_NAMESPACE</c>, then <c>Triggers:Namespace</c>, then <c>default</c>.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>Holder identity; empty uses <c>POD_NAME</c>, then the host name plus a random suffix.</summary>
    public string? Identity { get; set; }

    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Longest wait for the API server to record a tick (<c>status.lastScheduleTime</c>) before the
    /// function is called anyway: a slow or unreachable API server delays ticks by at most this.
    /// </summary>
    public TimeSpan StatusWriteTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Serve <c>POST /cron/{namespace}/{name}/run</c>, which fires a trigger once now (the local runner's <c>fire</c> command).</summary>
    public bool EnableRunEndpoint { get; set; }

    /// <summary>
    /// The bearer token <c>POST /cron/{namespace}/{name}/run</c> requires (<c>Authorization: Bearer TOKEN</c>);
    /// required when <see cref="EnableRunEndpoint"/> is true. A secret: never logged.
    /// </summary>
    public string? RunEndpointToken { get; set; }

    /// <summary>
    /// No longer used: after a restart or failover only the most recent missed tick fires, as in a
    /// Kubernetes CronJob. Still accepted so existing configurations keep starting.
    /// </summary>
    public int MaxMissedTicks { get; set; } = 1;
}
