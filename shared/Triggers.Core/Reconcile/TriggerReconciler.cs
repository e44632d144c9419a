using k8s;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// Level-triggered control loop: on every cache change, plans every trigger of the worker's kind,
/// stops subscriptions no longer wanted, starts new or changed ones, and records each trigger's
/// condition. A failing trigger is retried with backoff and never stops the others.
/// </summary>
public sealed partial class TriggerReconciler<TTrigger, TPlan>(
    ResourceCache cache,
    ITriggerPlanner<TTrigger, TPlan> planner,
    ISubscriptionSet<TPlan> subscriptions,
    TriggerStatusStore statusStore,
    TriggerStatusPublisher statusPublisher,
    ITriggerFinalizer finalizer,
    ReconcilerState state,
    TimeProvider time,
    ILogger<TriggerReconciler<TTrigger, TPlan>> logger) : BackgroundService
    where TTrigger : class, IKubernetesObject<V1ObjectMeta>
    where TPlan : SubscriptionPlan
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private readonly Dictionary<string, TPlan> _running = new(StringComparer.Ordinal);

    // Set by ReconcilerState.RequestFullPass: the next pass upserts every wanted subscription, running or not.
    private bool _fullPass;
    private readonly Dictionary<string, (int Failures, DateTimeOffset NotBefore, string Error)> _failed = new(StringComparer.Ordinal);
    private readonly DeletedTriggers<TPlan> _deleted = new(planner.Kind, subscriptions, finalizer, time, logger);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        long seen = -1;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var snapshot = cache.Snapshot();
                seen = snapshot.Version;
                TimeSpan? retryIn = null;
                _fullPass |= snapshot.IsSynced && state.TakeFullPassRequest();
                if (snapshot.IsSynced)
                {
                    try
                    {
                        retryIn = await ReconcileAsync(snapshot, stoppingToken).ConfigureAwait(false);
                        _fullPass = false;
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        LogPassFailed(logger, e);
                        retryIn = TimeSpan.FromSeconds(1);
                    }
                }

                using var waiting = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var changed = cache.WaitForChangeAsync(seen, waiting.Token);
                var fullPass = state.WaitForFullPassRequestAsync(waiting.Token);
                var delay = retryIn is { } d ? Task.Delay(d, time, waiting.Token) : Task.Delay(Timeout.Infinite, waiting.Token);
                await Task.WhenAny(changed, fullPass, delay).ConfigureAwait(false);
                stoppingToken.ThrowIfCancellationRequested();
                await waiting.CancelAsync().ConfigureAwait(false);
                await Task.WhenAll(changed, fullPass, delay).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await subscriptions.RemoveAllAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogStopFailed(logger, e);
        }

        _running.Clear();
    }

    private async Task<TimeSpan?> ReconcileAsync(ResourceSnapshot snapshot, CancellationToken cancellationToken)
    {
        var desired = new Dictionary<string, TPlan>(StringComparer.Ordinal);
        var plans = new List<(TTrigger Trigger, TriggerPlan<TPlan> Plan)>();
        var present = new HashSet<ResourceKey>();
        var deleted = new List<(TTrigger Trigger, IReadOnlyList<TPlan> Planned)>();
        foreach (var trigger in snapshot.All<TTrigger>(planner.Kind))
        {
            present.Add(ResourceKey.Of(trigger));
            if (DeletedTriggers<TPlan>.IsDeleted(trigger))
            {
                // Its owner deleted it: nothing runs for it any more; what it would run is cleaned up below.
                deleted.Add((trigger, PlanOrNothing(trigger, snapshot)));
                continue;
            }

            TriggerPlan<TPlan> plan;
            try
            {
                plan = planner.Plan(trigger, snapshot);
            }
            catch (Exception e)
            {
                // A planner bug on one trigger must not stop the others.
                plan = TriggerPlan<TPlan>.Invalid("PlanFailed", e.Message);
            }

            plans.Add((trigger, plan));
            foreach (var subscription in plan.Subscriptions)
            {
                desired.TryAdd(subscription.Key, subscription);
            }
        }

        var deletedKeys = deleted.Select(d => ResourceKey.Of(d.Trigger)).ToHashSet();
        var ranForDeleted = _running.Values.Where(p => deletedKeys.Contains(p.Trigger)).ToList();

        // Stop what is no longer wanted first, so a changed topic never overlaps with the old one.
        foreach (var key in _running.Keys.Where(k => !desired.ContainsKey(k)).ToList())
        {
            try
            {
                await subscriptions.RemoveAsync(key, cancellationToken).ConfigureAwait(false);
                LogStopped(logger, key);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogStopFailedFor(logger, key, e);
            }

            _running.Remove(key);
            _failed.Remove(key);
        }

        foreach (var key in _failed.Keys.Where(k => !desired.ContainsKey(k)).ToList())
        {
            _failed.Remove(key);
        }

        var now = time.GetUtcNow();
        TimeSpan? retryIn = null;
        var toStart = new List<TPlan>();
        foreach (var (key, plan) in desired)
        {
            var running = _running.TryGetValue(key, out var current);
            if (running && !_fullPass && current!.Revision == plan.Revision && !_failed.ContainsKey(key))
            {
                continue;
            }

            if (_failed.TryGetValue(key, out var failure) && failure.NotBefore > now && current?.Revision == plan.Revision)
            {
                retryIn = Min(retryIn, failure.NotBefore - now);
                continue;
            }

            toStart.Add(plan);
        }

        // Started as one batch: a set may overlap the starts (thousands of triggers must not wait on one round trip each).
        Exception?[] errors = toStart.Count == 0 ? [] : await subscriptions.UpsertManyAsync(toStart, cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < toStart.Count; i++)
        {
            var plan = toStart[i];
            var key = plan.Key;
            if (errors[i] is not { } e)
            {
                _running[key] = plan;
                _failed.Remove(key);
                LogStarted(logger, key);
            }
            else
            {
                var failures = (_failed.TryGetValue(key, out var f) ? f.Failures : 0) + 1;
                var delay = Dispatch.Backoff.Next(TimeSpan.FromMilliseconds(500), MaxRetryDelay, failures - 1);
                _failed[key] = (failures, now + delay, e.Message);
                _running[key] = plan;
                retryIn = Min(retryIn, delay);
                LogStartFailed(logger, key, failures, delay, e);
            }
        }

        var known = new HashSet<ResourceKey>();
        var failedTriggers = 0;
        foreach (var (trigger, plan) in plans)
        {
            var key = ResourceKey.Of(trigger);
            known.Add(key);
            var condition = plan.Condition;
            var failure = plan.Subscriptions.Select(s => _failed.TryGetValue(s.Key, out var f) ? f.Error : null).FirstOrDefault(e => e is not null);
            if (failure is not null)
            {
                condition = TriggerCondition.Invalid("SubscribeFailed", failure);
                failedTriggers++;
            }

            var (_, changed) = statusStore.SetCondition(planner.Kind, key, trigger.Metadata.Generation, condition, plan.Subscriptions.Count);
            if (changed)
            {
                LogCondition(logger, planner.Kind.Kind, key.ToString(), condition.Ready, condition.Reason, condition.Message);
                try
                {
                    await statusPublisher.PublishAsync(planner.Kind, key, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogStatusWriteFailed(logger, key.ToString(), e.Message);
                }
            }
        }

        foreach (var gone in statusStore.All.Where(s => s.Kind == planner.Kind && !known.Contains(s.Trigger)).ToList())
        {
            statusStore.Remove(gone.Kind, gone.Trigger);
        }

        // Stopped above (in-flight deliveries drained): now clean up after deleted triggers and let them go.
        var finishing = deleted.Select(d => ((IKubernetesObject<V1ObjectMeta>)d.Trigger,
            (IReadOnlyList<TPlan>)[.. ranForDeleted.Where(p => p.Trigger == ResourceKey.Of(d.Trigger)), .. d.Planned])).ToList();
        if (await _deleted.FinishAsync(finishing, present, cancellationToken).ConfigureAwait(false) is { } finishRetry)
        {
            retryIn = Min(retryIn, finishRetry);
        }

        state.Set(failedTriggers == 0, failedTriggers == 0
            ? $"{plans.Count} triggers, {desired.Count} subscriptions running"
            : $"{failedTriggers} of {plans.Count} triggers could not start their subscriptions");
        return retryIn;
    }

    private static TimeSpan Min(TimeSpan? a, TimeSpan b) => a is { } x && x < b ? x : b;

    private IReadOnlyList<TPlan> PlanOrNothing(TTrigger trigger, ResourceSnapshot snapshot)
    {
        try
        {
            return planner.Plan(trigger, snapshot).Subscriptions;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return [];
        }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Information, Message = "Subscription {Key} started")]
    private static partial void LogStarted(ILogger logger, string key);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Information, Message = "Subscription {Key} stopped")]
    private static partial void LogStopped(ILogger logger, string key);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Subscription {Key} could not start (attempt {Failures}); retrying in {Delay}")]
    private static partial void LogStartFailed(ILogger logger, string key, int failures, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Subscription {Key} did not stop cleanly")]
    private static partial void LogStopFailedFor(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Warning, Message = "Stopping subscriptions failed")]
    private static partial void LogStopFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Information, Message = "{Kind} {Trigger}: Ready={Ready} Reason={Reason} {Message}")]
    private static partial void LogCondition(ILogger logger, string kind, string trigger, bool ready, string reason, string message);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Writing status of {Trigger} failed: {Error}")]
    private static partial void LogStatusWriteFailed(ILogger logger, string trigger, string error);

    [LoggerMessage(EventId = 1208, Level = LogLevel.Error, Message = "Reconcile pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);
}
