using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// Finishes the triggers their owner deleted (<c>metadata.deletionTimestamp</c> set): once the
/// reconciler has stopped their subscriptions, asks the subscription set to clean up what each one
/// created, then removes the kind's Kubeless finalizer. Done once per trigger object (uid); a
/// failure is retried with backoff, and the finalizer stays until the clean-up succeeded.
/// </summary>
internal sealed partial class DeletedTriggers<TPlan>(ResourceKind kind, ISubscriptionSet<TPlan> subscriptions, ITriggerFinalizer finalizer, TimeProvider time, ILogger logger)
    where TPlan : SubscriptionPlan
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private readonly Dictionary<ResourceKey, string> _finished = [];
    private readonly Dictionary<ResourceKey, (int Failures, DateTimeOffset NotBefore)> _failed = [];

    /// <summary>True when <paramref name="trigger"/> is being deleted: the reconciler plans nothing for it.</summary>
    public static bool IsDeleted(IKubernetesObject<V1ObjectMeta> trigger) => trigger.Metadata?.DeletionTimestamp is not null;

    /// <summary>
    /// Cleans up and releases each deleted trigger not finished yet. Its plans hold
    /// per trigger, what ran for it and what its planner says it would run (after a restart nothing
    /// ran here, yet another replica may have created a consumer). Returns when to try again, if a
    /// trigger failed.
    /// </summary>
    public async Task<TimeSpan?> FinishAsync(IReadOnlyList<(IKubernetesObject<V1ObjectMeta> Trigger, IReadOnlyList<TPlan> Plans)> deleted, ISet<ResourceKey> present, CancellationToken cancellationToken)
    {
        foreach (var key in _finished.Keys.Concat(_failed.Keys).Where(k => !present.Contains(k)).ToList())
        {
            _finished.Remove(key);
            _failed.Remove(key);
        }

        var now = time.GetUtcNow();
        TimeSpan? retryIn = null;
        foreach (var (trigger, plans) in deleted)
        {
            var key = ResourceKey.Of(trigger);
            var uid = trigger.Metadata?.Uid ?? "";
            if (_finished.TryGetValue(key, out var done) && done == uid)
            {
                continue;
            }

            if (_failed.TryGetValue(key, out var failed) && failed.NotBefore > now)
            {
                retryIn = Min(retryIn, failed.NotBefore - now);
                continue;
            }

            try
            {
                foreach (var plan in plans.DistinctBy(p => p.Key, StringComparer.Ordinal))
                {
                    await subscriptions.CleanUpAsync(plan, cancellationToken).ConfigureAwait(false);
                }

                await finalizer.ReleaseAsync(kind, trigger, cancellationToken).ConfigureAwait(false);
                _finished[key] = uid;
                _failed.Remove(key);
                LogFinished(logger, kind.Kind, key.ToString(), plans.Count);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                var failures = (_failed.TryGetValue(key, out var f) ? f.Failures : 0) + 1;
                var delay = Backoff.Next(FirstRetryDelay, MaxRetryDelay, failures - 1);
                _failed[key] = (failures, now + delay);
                retryIn = Min(retryIn, delay);
                LogFailed(logger, kind.Kind, key.ToString(), failures, delay, e);
            }
        }

        return retryIn;
    }

    private static TimeSpan Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    [LoggerMessage(EventId = 1209, Level = LogLevel.Information, Message = "{Kind} {Trigger} was deleted: its {Subscriptions} subscription(s) are stopped and cleaned up")]
    private static partial void LogFinished(ILogger logger, string kind, string trigger, int subscriptions);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "{Kind} {Trigger} was deleted but cleaning up after it failed (attempt {Failures}); its finalizer stays, retrying in {Delay}")]
    private static partial void LogFailed(ILogger logger, string kind, string trigger, int failures, TimeSpan delay, Exception exception);
}
