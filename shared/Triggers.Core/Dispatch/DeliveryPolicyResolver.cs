using Microsoft.Extensions.Options;
using Triggers.Core.Internal;
using Triggers.Core.Resources;

namespace Triggers.Core.Dispatch;

/// <summary>
/// Turns a trigger's <c>spec.delivery</c> into a <see cref="DeliveryPolicy"/> over the configured
/// defaults. Every number and duration is bounded (docs/configuration.md, "Limits"): a value out of
/// range is an error naming the field, never a timer that throws in the middle of a delivery.
/// </summary>
public sealed class DeliveryPolicyResolver(IOptions<TriggersOptions> options)
{
    /// <summary>Largest <c>spec.delivery.maxAttempts</c> (and <c>spec.jetStream.maxDeliver</c>).</summary>
    public const int MaxAttemptsLimit = 100;

    /// <summary>Longest <c>spec.delivery.timeout</c>, <c>backoff.initial</c> and <c>backoff.max</c>.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>Resolves the policy, or returns an error that names the bad field.</summary>
    public bool TryResolve(DeliverySpec? spec, out DeliveryPolicy policy, out string? error)
    {
        var defaults = options.Value.Delivery;
        policy = new DeliveryPolicy(defaults.MaxAttempts, defaults.InitialBackoff, defaults.MaxBackoff, defaults.Timeout);
        error = null;
        if (spec is null)
        {
            return true;
        }

        if (spec.MaxAttempts is { } attempts)
        {
            if (attempts is < 1 or > MaxAttemptsLimit)
            {
                error = $"spec.delivery.maxAttempts must be between 1 and {MaxAttemptsLimit} (got {attempts})";
                return false;
            }

            policy = policy with { MaxAttempts = attempts };
        }

        if (!TryDuration(spec.Backoff?.Initial, "spec.delivery.backoff.initial", policy.InitialBackoff, out var initial, ref error) ||
            !TryDuration(spec.Backoff?.Max, "spec.delivery.backoff.max", Max(policy.MaxBackoff, initial), out var max, ref error) ||
            !TryDuration(spec.Timeout, "spec.delivery.timeout", policy.Timeout, out var timeout, ref error))
        {
            return false;
        }

        if (max < initial)
        {
            error = $"spec.delivery.backoff.max ({max}) must not be less than spec.delivery.backoff.initial ({initial})";
            return false;
        }

        policy = policy with { InitialBackoff = initial, MaxBackoff = max, Timeout = timeout };
        return true;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static bool TryDuration(string? text, string field, TimeSpan fallback, out TimeSpan value, ref string? error)
    {
        value = fallback;
        if (text is null)
        {
            return true;
        }

        if (!GoDuration.TryParse(text, out value) || value <= TimeSpan.Zero)
        {
            error = $"{field} \"{text}\" is not a positive duration (examples: 500ms, 2s, 1m30s)";
            return false;
        }

        if (value > MaxDuration)
        {
            error = $"{field} \"{text}\" is longer than the limit of 1h";
            return false;
        }

        return true;
    }
}
