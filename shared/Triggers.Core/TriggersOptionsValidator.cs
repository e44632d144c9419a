using Microsoft.Extensions.Options;

namespace Triggers.Core;

/// <summary>Checks <see cref="TriggersOptions"/> at start; every message names the configuration key.</summary>
public sealed class TriggersOptionsValidator : IValidateOptions<TriggersOptions>
{
    /// <summary>Largest <c>Triggers:Delivery:MaxResponseBodyBytes</c>: 64 MiB.</summary>
    public const int MaxResponseBodyLimit = 64 * 1024 * 1024;

    /// <summary>Range of <c>Triggers:Metrics:CardinalityLimit</c>: each series is reserved up front, about 100 bytes per metric.</summary>
    public const int MinCardinalityLimit = 10;

    public const int MaxCardinalityLimit = 1_000_000;

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

        if (options.Metrics.CardinalityLimit is < MinCardinalityLimit or > MaxCardinalityLimit)
        {
            errors.Add($"Triggers:Metrics:CardinalityLimit must be between {MinCardinalityLimit} and {MaxCardinalityLimit} (got {options.Metrics.CardinalityLimit}).");
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
