using Microsoft.Extensions.Options;

namespace Triggers.Core;

/// <summary>Where the worker reads resources from (<c>Triggers:Source</c>).</summary>
public enum SourceKind
{
    Kubernetes,
    Manifests,
}

/// <summary>Settings of the <c>Triggers</c> configuration section, shared by every worker.</summary>
public sealed class TriggersOptions
{
    public const string Section = "Triggers";

    /// <summary><c>Kubernetes</c> (default) or <c>Manifests</c>.</summary>
    public SourceKind Source { get; set; } = SourceKind.Kubernetes;

    /// <summary>Watch only this namespace; empty watches all namespaces.</summary>
    public string? Namespace { get; set; }

    /// <summary>Folder of <c>*.yaml</c>/<c>*.yml</c> manifests (Manifests source).</summary>
    public string? ManifestsPath { get; set; }

    /// <summary>Namespace given to manifests that name none.</summary>
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>Kubernetes cluster DNS domain used to build function URLs.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>
    /// Path of a kubeconfig file. When empty the worker finds its cluster as kubectl does: the in-cluster
    /// service account when running in a pod, else the files of the <c>KUBECONFIG</c> variable (merged),
    /// else <c>~/.kube/config</c>.
    /// </summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Small state file for manifests mode (cron last-fire times).</summary>
    public string? StatePath { get; set; }

    /// <summary>Write trigger status back to the API server (Kubernetes source only).</summary>
    public bool WriteStatus { get; set; } = true;

    /// <summary>
    /// URL prefixes a Function's <c>triggers/endpoint</c> annotation may point under besides the
    /// Function's own namespace's Services (Kubernetes source only). Compared on the parsed URL:
    /// scheme, host, port (<c>http://127.0.0.1:</c> admits any port), path prefix.
    /// </summary>
    public string[] AllowedEndpoints { get; set; } = [];

    /// <summary>
    /// A Kubernetes label selector (<c>tier=gold</c>, <c>tier!=gold</c>, <c>tier in (a,b)</c>) on
    /// triggers: this worker runs only the triggers it selects. Functions are never filtered.
    /// Empty runs every trigger.
    /// </summary>
    public string? TriggerSelector { get; set; }

    public DeliveryOptions Delivery { get; set; } = new();
}

/// <summary>Default delivery settings (<c>Triggers:Delivery</c>), overridden per trigger by <c>spec.delivery</c>.</summary>
public sealed class DeliveryOptions
{
    public int MaxAttempts { get; set; } = 5;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Per-attempt timeout of one POST.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest <c>Retry-After</c> the dispatcher will honour before capping it.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Circuit breaker: failure ratio over the sampling window that opens it.</summary>
    public double BreakerFailureRatio { get; set; } = 0.5;

    public int BreakerMinimumThroughput { get; set; } = 20;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest reply body kept (default 1 MiB); a longer one is cut and flagged <c>Triggers-Reply-Truncated: true</c>.</summary>
    public int MaxResponseBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>Checks <see cref="TriggersOptions"/> at start; every message names the configuration key.</summary>
public sealed class TriggersOptionsValidator : IValidateOptions<TriggersOptions>
{
    /// <summary>Largest <c>Triggers:Delivery:MaxResponseBodyBytes</c>: 64 MiB.</summary>
    public const int MaxResponseBodyLimit = 64 * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, TriggersOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Source))
        {
            errors.Add($"Triggers:Source must be Kubernetes or Manifests (got '{options.Source}').");
        }

        if (options.Source == SourceKind.Manifests)
        {
            if (string.IsNullOrWhiteSpace(options.ManifestsPath))
            {
                errors.Add("Triggers:ManifestsPath is required when Triggers:Source is Manifests.");
            }
            else if (!Directory.Exists(options.ManifestsPath))
            {
                errors.Add($"Triggers:ManifestsPath '{options.ManifestsPath}' is not an existing directory.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.ClusterDomain))
        {
            errors.Add("Triggers:ClusterDomain must not be empty.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultNamespace))
        {
            errors.Add("Triggers:DefaultNamespace must not be empty.");
        }

        if (!string.IsNullOrEmpty(options.Kubeconfig) && !File.Exists(options.Kubeconfig))
        {
            errors.Add($"Triggers:Kubeconfig '{options.Kubeconfig}' does not exist.");
        }

        for (var i = 0; i < options.AllowedEndpoints.Length; i++)
        {
            if (!Policy.AllowedEndpoint.TryParse(options.AllowedEndpoints[i], out _, out var endpointError))
            {
                errors.Add($"Triggers:AllowedEndpoints:{i} '{options.AllowedEndpoints[i]}' {endpointError}.");
            }
        }

        if (!Selectors.LabelSelectorText.TryParse(options.TriggerSelector, out _, out var selectorError))
        {
            errors.Add($"Triggers:TriggerSelector '{options.TriggerSelector}' is not a label selector: {selectorError}.");
        }

        var d = options.Delivery;
        if (d.MaxAttempts < 1)
        {
            errors.Add($"Triggers:Delivery:MaxAttempts must be at least 1 (got {d.MaxAttempts}).");
        }

        if (d.InitialBackoff <= TimeSpan.Zero)
        {
            errors.Add($"Triggers:Delivery:InitialBackoff must be positive (got {d.InitialBackoff}).");
        }

        if (d.MaxBackoff < d.InitialBackoff)
        {
            errors.Add($"Triggers:Delivery:MaxBackoff ({d.MaxBackoff}) must not be less than Triggers:Delivery:InitialBackoff ({d.InitialBackoff}).");
        }

        if (d.Timeout <= TimeSpan.Zero)
        {
            errors.Add($"Triggers:Delivery:Timeout must be positive (got {d.Timeout}).");
        }

        if (d.MaxAttempts > Dispatch.DeliveryPolicyResolver.MaxAttemptsLimit)
        {
            errors.Add($"Triggers:Delivery:MaxAttempts must be at most {Dispatch.DeliveryPolicyResolver.MaxAttemptsLimit} (got {d.MaxAttempts}).");
        }

        // Timers throw past ~49 days; every delivery duration is bounded well below that.
        AtMost(errors, "InitialBackoff", d.InitialBackoff);
        AtMost(errors, "MaxBackoff", d.MaxBackoff);
        AtMost(errors, "Timeout", d.Timeout);
        AtMost(errors, "MaxRetryAfter", d.MaxRetryAfter);
        AtMost(errors, "BreakerSamplingDuration", d.BreakerSamplingDuration);
        AtMost(errors, "BreakerBreakDuration", d.BreakerBreakDuration);
        if (d.MaxRetryAfter < TimeSpan.Zero)
        {
            errors.Add($"Triggers:Delivery:MaxRetryAfter must not be negative (got {d.MaxRetryAfter}).");
        }

        if (d.MaxResponseBodyBytes is < 0 or > MaxResponseBodyLimit)
        {
            errors.Add($"Triggers:Delivery:MaxResponseBodyBytes must be between 0 and {MaxResponseBodyLimit} (got {d.MaxResponseBodyBytes}).");
        }

        if (d.BreakerFailureRatio is <= 0 or > 1)
        {
            errors.Add($"Triggers:Delivery:BreakerFailureRatio must be in (0, 1] (got {d.BreakerFailureRatio}).");
        }

        if (d.BreakerMinimumThroughput < 2)
        {
            errors.Add($"Triggers:Delivery:BreakerMinimumThroughput must be at least 2 (got {d.BreakerMinimumThroughput}).");
        }

        if (d.BreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            errors.Add($"Triggers:Delivery:BreakerBreakDuration must be at least 00:00:00.5 (got {d.BreakerBreakDuration}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void AtMost(List<string> errors, string key, TimeSpan value)
    {
        if (value > Dispatch.DeliveryPolicyResolver.MaxDuration)
        {
            errors.Add($"Triggers:Delivery:{key} must be at most 01:00:00 (got {value}).");
        }
    }
}
