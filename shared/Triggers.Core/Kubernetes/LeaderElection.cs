using Microsoft.Extensions.Options;

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
