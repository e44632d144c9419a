using Microsoft.Extensions.Options;

namespace Triggers.Cron;

/// <summary>Checks <see cref="CronOptions"/> at start; every message names the key.</summary>
public sealed class CronOptionsValidator : IValidateOptions<CronOptions>
{
    public ValidateOptionsResult Validate(string? name, CronOptions options)
    {
        var errors = new List<string>();
        // The lease keys (Cron:LeaseName, Cron:LeaseDuration, ...) are checked by Core's leader election
        // validator under the Cron section, when leader election is on.
        if (options.StatusWriteTimeout <= TimeSpan.Zero || options.StatusWriteTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Cron:StatusWriteTimeout must be positive and at most 00:05:00 (got {options.StatusWriteTimeout}).");
        }

        if (options.EnableRunEndpoint && string.IsNullOrWhiteSpace(options.RunEndpointToken))
        {
            errors.Add("Cron:RunEndpointToken must be set when Cron:EnableRunEndpoint is true (the run endpoint requires it as a bearer token).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
