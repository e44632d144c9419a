using Microsoft.Extensions.Options;

namespace Triggers.Cron;

/// <summary>Settings of the cron worker (<c>Cron</c> section): leader election on a <c>coordination.k8s.io/v1</c> Lease.</summary>
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

    /// <summary>Serve <c>POST /cron/{namespace}/{name}/run</c>, which fires a trigger once now (the local runner's <c>fire</c> command).</summary>
    public bool EnableRunEndpoint { get; set; }

    /// <summary>Most missed ticks inside <c>spec.startingDeadlineSeconds</c> fired after a restart or failover (the newest; the rest are counted as missed).</summary>
    public int MaxMissedTicks { get; set; } = 100;
}

/// <summary>Checks <see cref="CronOptions"/> at start; every message names the key.</summary>
public sealed class CronOptionsValidator : IValidateOptions<CronOptions>
{
    public ValidateOptionsResult Validate(string? name, CronOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.LeaseName))
        {
            errors.Add("Cron:LeaseName must not be empty.");
        }

        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            errors.Add($"Cron:LeaseDuration must be positive (got {options.LeaseDuration}).");
        }

        if (options.RenewDeadline <= TimeSpan.Zero || options.RenewDeadline >= options.LeaseDuration)
        {
            errors.Add($"Cron:RenewDeadline ({options.RenewDeadline}) must be positive and less than Cron:LeaseDuration ({options.LeaseDuration}).");
        }

        if (options.RetryPeriod <= TimeSpan.Zero || options.RetryPeriod >= options.RenewDeadline)
        {
            errors.Add($"Cron:RetryPeriod ({options.RetryPeriod}) must be positive and less than Cron:RenewDeadline ({options.RenewDeadline}).");
        }

        if (options.MaxMissedTicks < 1)
        {
            errors.Add($"Cron:MaxMissedTicks must be at least 1 (got {options.MaxMissedTicks}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
