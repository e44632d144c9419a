using Microsoft.Extensions.Options;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Checks <see cref="LeaderElectionOptions"/> at start; messages name the key under
/// <paramref name="section"/> (a worker that maps its own keys onto these options passes its section).
/// </summary>
public sealed class LeaderElectionOptionsValidator(string section) : IValidateOptions<LeaderElectionOptions>
{
    public LeaderElectionOptionsValidator()
        : this(LeaderElectionOptions.Section)
    {
    }

    public ValidateOptionsResult Validate(string? name, LeaderElectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            errors.Add($"{section}:LeaseDuration must be a whole number of seconds, at least 1 (got {options.LeaseDuration}).");
        }

        if (options.RetryPeriod <= TimeSpan.Zero)
        {
            errors.Add($"{section}:RetryPeriod must be positive (got {options.RetryPeriod}).");
        }

        if (options.RenewDeadline >= options.LeaseDuration)
        {
            errors.Add($"{section}:RenewDeadline ({options.RenewDeadline}) must be less than {section}:LeaseDuration ({options.LeaseDuration}).");
        }

        // The client waits up to 1.2 retry periods per attempt (as client-go requires too).
        if (options.RenewDeadline <= options.RetryPeriod * 1.2)
        {
            errors.Add($"{section}:RenewDeadline ({options.RenewDeadline}) must be more than 1.2 x {section}:RetryPeriod ({options.RetryPeriod}).");
        }

        if (options.LeaseName is { } lease && !IsDnsSubdomain(lease))
        {
            errors.Add($"{section}:LeaseName '{lease}' is not a valid Kubernetes name.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsDnsSubdomain(string value) =>
        value.Length is > 0 and <= 253 &&
        value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.') &&
        char.IsAsciiLetterOrDigit(value[0]) && char.IsAsciiLetterOrDigit(value[^1]);
}
