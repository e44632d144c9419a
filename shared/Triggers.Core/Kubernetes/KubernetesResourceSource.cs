using System.Net;
using k8s;
using k8s.Autorest;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Triggers.Core.Kubernetes.Internal;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Feeds the cache from the Kubernetes API: for every kind the sink wants, list, then watch from the
/// list's resourceVersion with bookmarks; resume from the last seen resourceVersion when a stream ends or
/// drops (jittered exponential backoff while the server is unreachable), and relist on 410 Gone. Every
/// list replaces the kind in the sink, so deletions missed during a gap are applied.
/// </summary>
public sealed partial class KubernetesResourceSource(
    IKubernetes client,
    IOptions<TriggersOptions> options,
    TimeProvider time,
    ILogger<KubernetesResourceSource> logger) : IResourceSource
{
    private readonly Dictionary<ResourceKind, string> _resourceVersions = [];
    private readonly Lock _gate = new();

    /// <summary>First reconnect delay after a failure; doubles per consecutive failure up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a list may take before it is abandoned and retried with backoff (a hung list must not stall a kind forever).</summary>
    public TimeSpan ListTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Server-side timeout of one watch request; randomised up to twice this so replicas do not reconnect together.</summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a watch that sent an ERROR event may stay open before it is cancelled (the server closes it at once).</summary>
    private static readonly TimeSpan ErrorStreamGrace = TimeSpan.FromSeconds(5);

    /// <summary>The resourceVersion each kind would resume from now (for diagnostics and tests).</summary>
    public string? ResourceVersionOf(ResourceKind kind)
    {
        lock (_gate)
        {
            return _resourceVersions.TryGetValue(kind, out var rv) ? rv : null;
        }
    }

    public Task RunAsync(IResourceSink sink, CancellationToken cancellationToken)
    {
        var @namespace = string.IsNullOrWhiteSpace(options.Value.Namespace) ? null : options.Value.Namespace;

        // Worker pools: the API server sends only the selected triggers (and DELETED for one that stops matching).
        var triggerSelector = string.IsNullOrWhiteSpace(options.Value.TriggerSelector) ? null : options.Value.TriggerSelector.Trim();
        return Task.WhenAll(sink.Kinds.Select(kind => RunKindAsync(
            new KindClient(client, kind, @namespace, TriggerSelectingSink.IsTriggerKind(kind) ? triggerSelector : null), sink, cancellationToken)));
    }

    private async Task RunKindAsync(KindClient kindClient, IResourceSink sink, CancellationToken cancellationToken)
    {
        var kind = kindClient.Kind;
        string? resourceVersion = null;
        var failures = 0;
        var expirations = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    KindList list;
                    using (var listTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                    {
                        listTimeout.CancelAfter(ListTimeout);
                        list = await kindClient.ListAsync(listTimeout.Token).ConfigureAwait(false);
                    }

                    foreach (var (key, problem) in list.Problems)
                    {
                        LogUnreadable(logger, kind.Kind, key.ToString(), problem);
                    }

                    sink.Replace(kind, list.Items);
                    resourceVersion = list.ResourceVersion;
                    SetResourceVersion(kind, resourceVersion);
                    LogListed(logger, kind.Kind, list.Items.Count, resourceVersion);
                    failures = 0;
                }

                var outcome = await WatchAsync(kindClient, sink, resourceVersion, rv =>
                {
                    resourceVersion = rv;
                    SetResourceVersion(kind, rv);
                    failures = 0;
                }, cancellationToken).ConfigureAwait(false);

                if (outcome == WatchOutcome.Expired)
                {
                    LogExpired(logger, kind.Kind, resourceVersion);
                    resourceVersion = null;
                    expirations++;
                    if (expirations > 1)
                    {
                        // Expired again right after a relist: do not hammer the server.
                        await DelayAsync(expirations - 1, cancellationToken).ConfigureAwait(false);
                    }

                    continue;
                }

                expirations = 0;
                LogWatchEnded(logger, kind.Kind, resourceVersion);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.Gone)
            {
                LogExpired(logger, kind.Kind, resourceVersion);
                resourceVersion = null;
                expirations++;
                if (expirations > 1)
                {
                    await DelayAsync(expirations - 1, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff(failures);
                LogWatchFailed(logger, kind.Kind, resourceVersion, failures, delay, e.Message);
                await DelayAsync(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<WatchOutcome> WatchAsync(KindClient kindClient, IResourceSink sink, string resourceVersion, Action<string> advance, CancellationToken cancellationToken)
    {
        var kind = kindClient.Kind;
        using var watch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Exception? error = null;
        ITimer? grace = null;
        void OnError(Exception e)
        {
            // An ERROR event ends this watch (a 410 needs a relist), and the server closes the stream right after it:
            // read on to that end instead of cancelling. KubernetesClient abandons a cancelled read still pending on
            // the response, and over HTTP/1.1 that read then swallows the answer to the next request sent on the same
            // pooled connection (the next watch hung until its timeout). Cancelled only if the server keeps it open.
            error ??= e;
            grace ??= time.CreateTimer(CancelWatch, watch, ErrorStreamGrace, Timeout.InfiniteTimeSpan);
        }

        var timeoutSeconds = (int)(WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        try
        {
            await foreach (var e in kindClient.WatchAsync(resourceVersion, Math.Max(1, timeoutSeconds), OnError, watch.Token).ConfigureAwait(false))
            {
                if (error is not null)
                {
                    // Leaving here ends the stream between reads, which the client handles cleanly.
                    break;
                }

                switch (e.Type)
                {
                    case WatchEventType.Added or WatchEventType.Modified when e.Object is not null:
                        sink.Upsert(kind, e.Object);
                        break;
                    case WatchEventType.Added or WatchEventType.Modified when e.Key is { } key:
                        // Unreadable now: treat as absent rather than keep a stale good version.
                        LogUnreadable(logger, kind.Kind, key.ToString(), e.Problem ?? "unreadable");
                        sink.Delete(kind, key);
                        break;
                    case WatchEventType.Deleted when e.Key is { } key:
                        sink.Delete(kind, key);
                        break;
                    default:
                        break;
                }

                if (!string.IsNullOrEmpty(e.ResourceVersion))
                {
                    advance(e.ResourceVersion);
                }
            }
        }
        catch (OperationCanceledException) when (error is not null && !cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            grace?.Dispose();
        }

        return error switch
        {
            null => WatchOutcome.Ended,
            KubernetesException { Status.Code: 410 } => WatchOutcome.Expired,
            _ => throw new InvalidOperationException($"watch of {kind.Kind} failed: {error.Message}", error),
        };
    }

    private static void CancelWatch(object? watch)
    {
        try
        {
            ((CancellationTokenSource)watch!).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The watch ended meanwhile.
        }
    }

    private void SetResourceVersion(ResourceKind kind, string resourceVersion)
    {
        lock (_gate)
        {
            _resourceVersions[kind] = resourceVersion;
        }
    }

    private TimeSpan Backoff(int failures) => Dispatch.Backoff.Next(InitialBackoff, MaxBackoff, failures - 1);

    private Task DelayAsync(int failures, CancellationToken cancellationToken) => DelayAsync(Backoff(failures), cancellationToken);

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private enum WatchOutcome
    {
        Ended,
        Expired,
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Listed {Count} {Kind} at resourceVersion {ResourceVersion}")]
    private static partial void LogListed(ILogger logger, string kind, int count, string resourceVersion);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Watch of {Kind} expired at resourceVersion {ResourceVersion} (410 Gone); relisting")]
    private static partial void LogExpired(ILogger logger, string kind, string? resourceVersion);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Debug, Message = "Watch of {Kind} ended at resourceVersion {ResourceVersion}; resuming")]
    private static partial void LogWatchEnded(ILogger logger, string kind, string? resourceVersion);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Watch of {Kind} failed at resourceVersion {ResourceVersion} (attempt {Failures}); reconnecting in {Delay}: {Error}")]
    private static partial void LogWatchFailed(ILogger logger, string kind, string? resourceVersion, int failures, TimeSpan delay, string error);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Error, Message = "{Kind} {Resource} cannot be read and is ignored: {Problem}")]
    private static partial void LogUnreadable(ILogger logger, string kind, string resource, string problem);
}
