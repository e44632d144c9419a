using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Options;
using Triggers.Core;

namespace Triggers.Cron.Internal;

/// <summary>What leadership changes drive: the cron scheduler.</summary>
internal interface ILeadershipTarget
{
    /// <summary>Stops firing at once (called synchronously the moment leadership is in doubt).</summary>
    void StepDown();

    Task ElectedAsync(CancellationToken cancellationToken);

    Task DemotedAsync(CancellationToken cancellationToken);
}

/// <summary>Decides which replica schedules.</summary>
internal interface ILeaderElection
{
    string Identity { get; }

    /// <summary>Runs until cancelled, telling <paramref name="target"/> about every change of leadership.</summary>
    Task RunAsync(ILeadershipTarget target, CancellationToken cancellationToken);
}

/// <summary>Manifests mode, or election switched off: this process always leads.</summary>
internal sealed class AlwaysLeader : ILeaderElection
{
    public string Identity => Environment.MachineName;

    public async Task RunAsync(ILeadershipTarget target, CancellationToken cancellationToken)
    {
        await target.ElectedAsync(cancellationToken).ConfigureAwait(false);
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>Leader election on a <c>coordination.k8s.io/v1</c> Lease through KubernetesClient's <see cref="LeaderElector"/>.</summary>
internal sealed class LeaseLeaderElection(
    IServiceProvider services,
    IOptions<CronOptions> cronOptions,
    IOptions<TriggersOptions> triggersOptions,
    TimeProvider time,
    ILogger<LeaseLeaderElection> logger) : ILeaderElection
{
    public string Identity { get; } = cronOptions.Value.Identity is { Length: > 0 } id
        ? id
        : Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    public async Task RunAsync(ILeadershipTarget target, CancellationToken cancellationToken)
    {
        var options = cronOptions.Value;
        var client = services.GetRequiredService<IKubernetes>();
        var leaseNamespace = options.LeaseNamespace is { Length: > 0 } ns ? ns
            : Environment.GetEnvironmentVariable("POD_NAMESPACE") is { Length: > 0 } podNs ? podNs
            : triggersOptions.Value.Namespace is { Length: > 0 } watched ? watched : "default";
        var config = new LeaderElectionConfig(new LeaseLock(client, leaseNamespace, options.LeaseName, Identity))
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };

        // The elector raises plain events; the loop below applies the latest wish in order, so
        // Quartz is never touched from the elector's thread and no transition is lost.
        using var changed = new SemaphoreSlim(0);
        var wantLead = false;
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () =>
        {
            Volatile.Write(ref wantLead, true);
            changed.Release();
        };
        elector.OnStoppedLeading += () =>
        {
            Volatile.Write(ref wantLead, false);
            target.StepDown();
            changed.Release();
        };
        elector.OnNewLeader += leader => Log.NewLeader(logger, leader);
        elector.OnError += e => Log.ElectionError(logger, e.Message);

        var electing = Task.Run(() => ElectLoopAsync(elector, options.RetryPeriod, cancellationToken), CancellationToken.None);
        var leading = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                var want = Volatile.Read(ref wantLead);
                if (want && !leading)
                {
                    await target.ElectedAsync(cancellationToken).ConfigureAwait(false);
                    leading = true;
                    Log.Elected(logger, Identity, 0);
                }
                else if (!want && leading)
                {
                    await target.DemotedAsync(cancellationToken).ConfigureAwait(false);
                    leading = false;
                    Log.Demoted(logger, Identity);
                }
            }
        }
        finally
        {
            target.StepDown();
            await electing.ConfigureAwait(false);
        }
    }

    private async Task ElectLoopAsync(LeaderElector elector, TimeSpan retry, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await elector.RunUntilLeadershipLostAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.ElectionError(logger, e.Message);
                try
                {
                    await Task.Delay(retry, time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}

/// <summary>Runs the leader election for the lifetime of the worker.</summary>
internal sealed class CronLeadershipService(ILeaderElection election, CronScheduler scheduler) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await election.RunAsync(scheduler, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
