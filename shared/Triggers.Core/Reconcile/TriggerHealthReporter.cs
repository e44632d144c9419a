using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// Keeps each trigger's <c>Degraded</c> condition: True while one of its subscriptions on this worker
/// last failed to handle an event with an unexpected exception, False (<c>Recovered</c>) once each of
/// them handled an event again or stopped. The store (<c>/status</c>) has it at once; the status
/// subresource gets it through <see cref="TriggerStatusPublisher"/> at most once per
/// <see cref="MinWriteInterval"/> per trigger, so a hot failure does not hammer the API server.
/// </summary>
public sealed partial class TriggerHealthReporter : IDisposable
{
    /// <summary>Longest exception message kept in the condition.</summary>
    internal const int MaxErrorLength = 200;

    private readonly ConcurrentDictionary<(ResourceKind, ResourceKey), Entry> _entries = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TriggerStatusStore _store;
    private readonly TriggerStatusPublisher _publisher;
    private readonly TimeProvider _time;
    private readonly ILogger<TriggerHealthReporter> _logger;

    public TriggerHealthReporter(TriggerStatusStore store, TriggerStatusPublisher publisher, TimeProvider time, ILogger<TriggerHealthReporter> logger)
    {
        _store = store;
        _publisher = publisher;
        _time = time;
        _logger = logger;
        store.Removed += Forget;
    }

    /// <summary>How many triggers have an entry now (for tests: it returns to zero when every trigger is gone).</summary>
    internal int TrackedTriggers => _entries.Count;

    /// <summary>Least time between two status writes of one trigger's Degraded condition.</summary>
    public TimeSpan MinWriteInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The health of one subscription of <paramref name="trigger"/>, for as long as it runs.</summary>
    public SubscriptionHealth Track(ResourceKind kind, ResourceKey trigger) => new(this, kind, trigger);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    /// <summary>The condition's message: what was being handled, the exception's type and the first line of its message, bounded.</summary>
    internal static string Describe(string what, Exception exception)
    {
        var error = exception.Message.Split('\n', 2)[0].Trim();
        if (error.Length > MaxErrorLength)
        {
            error = string.Concat(error.AsSpan(0, MaxErrorLength), "...");
        }

        return $"{what} threw {exception.GetType().Name}: {error}";
    }

    internal void Failed(SubscriptionHealth health, string reason, string what, Exception exception)
    {
        var entry = _entries.GetOrAdd((health.Kind, health.Trigger), static _ => new Entry());
        var message = Describe(what, exception);
        lock (entry)
        {
            health.IsFailing = true;
            entry.Failing.Add(health);
            if (entry.Current is { Degraded: true } current && current.Reason == reason && current.Message == message)
            {
                return;
            }

            var since = entry.Current is { Degraded: true } degraded ? degraded.LastTransitionTime : _time.GetUtcNow();
            entry.Current = new DegradedCondition(true, reason, message, since);
            _store.SetDegraded(health.Kind, health.Trigger, entry.Current);
            if (!entry.Logged)
            {
                entry.Logged = true;
                LogDegraded(_logger, health.Kind.Kind, health.Trigger.ToString(), reason, message);
            }

            ScheduleWriteLocked(health, entry);
        }
    }

    internal void Recovered(SubscriptionHealth health, string why)
    {
        if (!_entries.TryGetValue((health.Kind, health.Trigger), out var entry))
        {
            // Its trigger was forgotten: nothing to clear, and Handled stays a field read.
            health.IsFailing = false;
            return;
        }

        lock (entry)
        {
            if (!health.IsFailing)
            {
                return;
            }

            health.IsFailing = false;
            entry.Failing.Remove(health);
            if (entry.Failing.Count > 0 || entry.Current is not { Degraded: true })
            {
                return;
            }

            entry.Current = new DegradedCondition(false, ConditionReasons.Recovered, $"No unexpected error since {why}", _time.GetUtcNow());
            entry.Logged = false;
            _store.SetDegraded(health.Kind, health.Trigger, entry.Current);
            LogRecovered(_logger, health.Kind.Kind, health.Trigger.ToString(), why);
            ScheduleWriteLocked(health, entry);
        }
    }

    // The trigger is gone from the store (deleted, or no longer this worker's); its subscriptions stopped before.
    private void Forget(ResourceKind kind, ResourceKey trigger)
    {
        if (_entries.TryRemove((kind, trigger), out var entry))
        {
            lock (entry)
            {
                entry.Timer?.Dispose();
                entry.Timer = null;
            }
        }
    }

    // The timer is made here, under the entry's lock, so the wait is measured from now whatever the thread pool does.
    private void ScheduleWriteLocked(SubscriptionHealth health, Entry entry)
    {
        if (entry.WriteScheduled)
        {
            return;
        }

        entry.WriteScheduled = true;
        var (kind, trigger) = (health.Kind, health.Trigger);
        var now = _time.GetUtcNow();
        if (entry.LastWrite is { } last && last + MinWriteInterval > now)
        {
            entry.Timer = _time.CreateTimer(_ => _ = WriteAsync(kind, trigger, entry), null, last + MinWriteInterval - now, Timeout.InfiniteTimeSpan);
        }
        else
        {
            _ = Task.Run(() => WriteAsync(kind, trigger, entry), CancellationToken.None);
        }
    }

    private async Task WriteAsync(ResourceKind kind, ResourceKey trigger, Entry entry)
    {
        lock (entry)
        {
            entry.WriteScheduled = false;
            entry.LastWrite = _time.GetUtcNow();
            entry.Timer?.Dispose();
            entry.Timer = null;
        }

        try
        {
            await _publisher.PublishAsync(kind, trigger, _stopping.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
        {
            // The worker stops.
        }
        catch (Exception e)
        {
            LogWriteFailed(_logger, kind.Kind, trigger.ToString(), e.Message);
        }
    }

    [LoggerMessage(EventId = 1221, Level = LogLevel.Warning, Message = "{Kind} {Trigger} is Degraded: {Reason}: {Message}")]
    private static partial void LogDegraded(ILogger logger, string kind, string trigger, string reason, string message);

    [LoggerMessage(EventId = 1222, Level = LogLevel.Information, Message = "{Kind} {Trigger} recovered: {Why}")]
    private static partial void LogRecovered(ILogger logger, string kind, string trigger, string why);

    [LoggerMessage(EventId = 1223, Level = LogLevel.Warning, Message = "Writing the Degraded condition of {Kind} {Trigger} failed: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string kind, string trigger, string error);

    private sealed class Entry
    {
        public HashSet<SubscriptionHealth> Failing { get; } = [];

        public DegradedCondition? Current { get; set; }

        public DateTimeOffset? LastWrite { get; set; }

        public bool WriteScheduled { get; set; }

        public bool Logged { get; set; }

        public ITimer? Timer { get; set; }
    }
}
