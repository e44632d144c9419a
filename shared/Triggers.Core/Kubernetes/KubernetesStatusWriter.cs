using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Writes a trigger's state to its <c>status</c> subresource with a merge patch: the <c>Ready</c>
/// condition (and <c>Degraded</c> once the trigger has one), <c>observedGeneration</c> and, when set, the cron times. Never fails the worker.
/// When the CRD has no status subresource (Kubeless's own CRDs) it logs once per kind and stops
/// writing that kind for <see cref="MissingSubresourceRetry"/>: writing status through the main
/// resource instead would bump <c>metadata.generation</c> on every write there and loop. A failed
/// write is kept and retried on the next write.
/// </summary>
public sealed partial class KubernetesStatusWriter(IKubernetes client, TimeProvider time, ILogger<KubernetesStatusWriter> logger) : ITriggerStatusWriter
{
    private readonly ConcurrentDictionary<ResourceKind, DateTimeOffset> _noSubresourceUntil = new();
    private readonly ConcurrentDictionary<(ResourceKind, ResourceKey), TriggerState> _pending = new();

    /// <summary>How long a kind without a status subresource is left alone before trying again (the CRD may be upgraded).</summary>
    public TimeSpan MissingSubresourceRetry { get; init; } = TimeSpan.FromMinutes(10);

    public async Task WriteAsync(TriggerState state, CancellationToken cancellationToken)
    {
        _pending[(state.Kind, state.Trigger)] = state;
        foreach (var (key, pending) in _pending.ToArray())
        {
            if (await TryWriteAsync(pending, cancellationToken).ConfigureAwait(false))
            {
                _pending.TryRemove(new KeyValuePair<(ResourceKind, ResourceKey), TriggerState>(key, pending));
            }
        }
    }

    /// <summary>The merge patch for a state: only fields the worker owns, so nothing else in status is touched.</summary>
    public static JsonObject BuildPatch(TriggerState state)
    {
        var condition = new JsonObject
        {
            ["type"] = "Ready",
            ["status"] = state.Condition.Ready ? "True" : "False",
            ["reason"] = string.IsNullOrEmpty(state.Condition.Reason) ? (state.Condition.Ready ? "Ready" : "NotReady") : state.Condition.Reason,
            ["message"] = state.Condition.Message,
            ["lastTransitionTime"] = Rfc3339(state.LastTransitionTime.UtcDateTime),
        };
        var status = new JsonObject();
        if (state.ObservedGeneration is { } generation)
        {
            condition["observedGeneration"] = generation;
            status["observedGeneration"] = generation;
        }

        status["conditions"] = state.Degraded is { } degraded ? new JsonArray(condition, DegradedCondition(degraded, state.ObservedGeneration)) : new JsonArray(condition);
        if (state.LastScheduleTime is { } last)
        {
            status["lastScheduleTime"] = Rfc3339(last);
        }

        if (state.LastSuccessfulTime is { } success)
        {
            status["lastSuccessfulTime"] = Rfc3339(success);
        }

        if (state.NextScheduleTime is { } next)
        {
            status["nextScheduleTime"] = Rfc3339(next);
        }

        return new JsonObject { ["status"] = status };
    }

    // A merge patch replaces the whole list: every write carries both conditions the worker owns.
    private static JsonObject DegradedCondition(DegradedCondition degraded, long? generation)
    {
        var condition = new JsonObject
        {
            ["type"] = Reconcile.DegradedCondition.Type,
            ["status"] = degraded.Degraded ? "True" : "False",
            ["reason"] = degraded.Reason,
            ["message"] = degraded.Message,
            ["lastTransitionTime"] = Rfc3339(degraded.LastTransitionTime.UtcDateTime),
        };
        if (generation is { } g)
        {
            condition["observedGeneration"] = g;
        }

        return condition;
    }

    private async Task<bool> TryWriteAsync(TriggerState state, CancellationToken cancellationToken)
    {
        var kind = state.Kind;
        if (kind.Group.Length == 0)
        {
            return true;
        }

        if (_noSubresourceUntil.TryGetValue(kind, out var until) && time.GetUtcNow() < until)
        {
            return true;
        }

        var patch = new V1Patch(BuildPatch(state).ToJsonString(), V1Patch.PatchType.MergePatch);
        try
        {
            await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
                patch, kind.Group, kind.Version, state.Trigger.Namespace, kind.Plural, state.Trigger.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (_noSubresourceUntil.TryRemove(kind, out _))
            {
                LogSubresourceBack(logger, kind.Kind);
            }

            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            if (NamesAnObject(e.Response.Content))
            {
                // The trigger itself is gone: nothing to write, nothing to retry.
                return true;
            }

            if (_noSubresourceUntil.TryAdd(kind, time.GetUtcNow() + MissingSubresourceRetry))
            {
                LogNoSubresource(logger, kind.Kind, kind.Plural + "." + kind.Group);
            }
            else
            {
                _noSubresourceUntil[kind] = time.GetUtcNow() + MissingSubresourceRetry;
            }

            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            LogWriteFailed(logger, kind.Kind, state.Trigger.ToString(), e.Message);
            return false;
        }
    }

    /// <summary>A 404 for a missing object is a Status naming it; a 404 for a missing route (no status subresource) is not.</summary>
    private static bool NamesAnObject(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return false;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object &&
                   document.RootElement.TryGetProperty("details", out var details) &&
                   details.ValueKind == JsonValueKind.Object &&
                   details.TryGetProperty("name", out var name) &&
                   name.GetString() is { Length: > 0 };
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Rfc3339(DateTime value) =>
        DateTime.SpecifyKind(value, value.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : value.Kind).ToUniversalTime()
            .ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning, Message = "{Kind} has no status subresource ({Resource}); trigger status is not written back for now (see /status)")]
    private static partial void LogNoSubresource(ILogger logger, string kind, string resource);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Information, Message = "{Kind} status subresource is available again; writing status")]
    private static partial void LogSubresourceBack(ILogger logger, string kind);

    [LoggerMessage(EventId = 2103, Level = LogLevel.Warning, Message = "Writing status of {Kind} {Trigger} failed; retrying on the next write: {Error}")]
    private static partial void LogWriteFailed(ILogger logger, string kind, string trigger, string error);
}
