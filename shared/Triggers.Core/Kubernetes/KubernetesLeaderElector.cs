using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Leader election on a <c>coordination.k8s.io/v1</c> Lease through KubernetesClient's
/// <see cref="LeaderElector"/> and <see cref="LeaseLock"/>. The leader's work token is cancelled as soon
/// as a renewal misses the renew deadline, before the lease can expire for the others.
/// </summary>
public sealed partial class KubernetesLeaderElector : ILeaderElector
{
    private const string ServiceAccountNamespaceFile = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
    private readonly IKubernetes _client;
    private readonly LeaderElectionOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<KubernetesLeaderElector> _logger;
    private readonly string _leaseName;
    private readonly string _leaseNamespace;
    private volatile bool _isLeader;
    private volatile string? _currentLeader;

    public KubernetesLeaderElector(
        IKubernetes client,
        IOptions<LeaderElectionOptions> options,
        IOptions<TriggersOptions> triggers,
        TimeProvider time,
        ILogger<KubernetesLeaderElector> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(triggers);
        _client = client;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _leaseName = _options.LeaseName ?? "triggers";
        _leaseNamespace = FirstNonEmpty(_options.LeaseNamespace, triggers.Value.Namespace, Environment.GetEnvironmentVariable("POD_NAMESPACE"), ReadServiceAccountNamespace()) ?? "default";
        Identity = FirstNonEmpty(_options.Identity, Environment.GetEnvironmentVariable("POD_NAME"))
                   ?? $"{Environment.MachineName}_{Guid.NewGuid().ToString("N")[..8]}";
    }

    public string Identity { get; }

    public bool IsLeader => _isLeader;

    public string? CurrentLeader => _currentLeader;

    public string Lease => $"{_leaseNamespace}/{_leaseName}";

    public Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading, CancellationToken cancellationToken) =>
        RunAsync(onStartedLeading, onStoppedLeading, cancellationToken, CancellationToken.None);

    public async Task RunAsync(Func<CancellationToken, Task> onStartedLeading, Action? onStoppedLeading, CancellationToken cancellationToken, CancellationToken abandon)
    {
        ArgumentNullException.ThrowIfNull(onStartedLeading);
        while (!cancellationToken.IsCancellationRequested)
        {
            var leaseLock = new LeaseLock(_client, _leaseNamespace, _leaseName, Identity);
            using var elector = new LeaderElector(new LeaderElectionConfig(leaseLock)
            {
                LeaseDuration = _options.LeaseDuration,
                RenewDeadline = _options.RenewDeadline,
                RetryPeriod = _options.RetryPeriod,
            });
            CancellationTokenSource? term = null;
            Task? work = null;
            elector.OnStartedLeading += () =>
            {
                term = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                _isLeader = true;
                _currentLeader = Identity;
                LogStartedLeading(_logger, Identity, Lease);
                var token = term.Token;
                work = Task.Run(() => onStartedLeading(token), CancellationToken.None);
            };
            elector.OnStoppedLeading += () =>
            {
                _isLeader = false;
                term?.Cancel();
                LogStoppedLeading(_logger, Identity, Lease);
                onStoppedLeading?.Invoke();
            };
            elector.OnNewLeader += leader =>
            {
                _currentLeader = leader;
                LogNewLeader(_logger, Lease, leader ?? "(none)");
            };
            elector.OnError += e => LogElectionError(_logger, Lease, e.Message);

            try
            {
                await elector.RunUntilLeadershipLostAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            catch (Exception e)
            {
                LogElectionError(_logger, Lease, e.Message);
                await DelayAsync(_options.RetryPeriod, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _isLeader = false;
                term?.Cancel();
                await AwaitWorkAsync(work).ConfigureAwait(false);
                term?.Dispose();
                if (work is not null && cancellationToken.IsCancellationRequested && _options.ReleaseOnCancel && !abandon.IsCancellationRequested)
                {
                    await ReleaseAsync(leaseLock, abandon).ConfigureAwait(false);
                }
            }
        }
    }

    /// <summary>
    /// Gives the lease up as client-go's <c>ReleaseOnCancel</c> does: an empty holder and a one-second
    /// duration, written only over this replica's own record (the lock's update carries the
    /// resourceVersion it read, so a lease someone else took in between is left alone).
    /// </summary>
    private async Task ReleaseAsync(LeaseLock leaseLock, CancellationToken abandon)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(abandon);
        deadline.CancelAfter(_options.RenewDeadline);
        try
        {
            var current = await leaseLock.GetAsync(deadline.Token).ConfigureAwait(false);
            if (current?.HolderIdentity != Identity)
            {
                return;
            }

            var now = _time.GetUtcNow().UtcDateTime;
            var released = await leaseLock.UpdateAsync(new LeaderElectionRecord
            {
                HolderIdentity = "",
                LeaseDurationSeconds = 1,
                AcquireTime = now,
                RenewTime = now,
                LeaderTransitions = current.LeaderTransitions,
            }, deadline.Token).ConfigureAwait(false);
            if (released)
            {
                _currentLeader = null;
                LogReleased(_logger, Identity, Lease);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || deadline.IsCancellationRequested)
        {
            LogElectionError(_logger, Lease, "releasing the lease failed: " + e.Message);
        }
    }

    private async Task AwaitWorkAsync(Task? work)
    {
        if (work is null)
        {
            return;
        }

        try
        {
            await work.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e)
        {
            LogWorkFailed(_logger, Lease, e);
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static string? FirstNonEmpty(params string?[] values) => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();

    private static string? ReadServiceAccountNamespace()
    {
        try
        {
            return File.Exists(ServiceAccountNamespaceFile) ? File.ReadAllText(ServiceAccountNamespaceFile) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "{Identity} is now the leader of lease {Lease}")]
    private static partial void LogStartedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Warning, Message = "{Identity} stopped leading lease {Lease}")]
    private static partial void LogStoppedLeading(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Information, Message = "Lease {Lease} is held by {Leader}")]
    private static partial void LogNewLeader(ILogger logger, string lease, string leader);

    [LoggerMessage(EventId = 2204, Level = LogLevel.Debug, Message = "Leader election on lease {Lease}: {Error}")]
    private static partial void LogElectionError(ILogger logger, string lease, string error);

    [LoggerMessage(EventId = 2206, Level = LogLevel.Information, Message = "{Identity} released lease {Lease} on stop")]
    private static partial void LogReleased(ILogger logger, string identity, string lease);

    [LoggerMessage(EventId = 2205, Level = LogLevel.Error, Message = "Work of the leader of lease {Lease} failed")]
    private static partial void LogWorkFailed(ILogger logger, string lease, Exception exception);
}
