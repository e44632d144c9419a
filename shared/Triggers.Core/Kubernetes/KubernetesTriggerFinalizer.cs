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
/// Removes a kind's Kubeless finalizer with a JSON patch that first tests the object's uid and the
/// entry at the index it removes: if anyone changed the list meanwhile (or the name now belongs to
/// a new object) the API server refuses the patch (422), and the finalizer is looked up again on a
/// fresh read and retried. Other owners' finalizers are never touched.
/// </summary>
public sealed partial class KubernetesTriggerFinalizer(IKubernetes client, ILogger<KubernetesTriggerFinalizer> logger) : ITriggerFinalizer
{
    /// <summary>Patches tried (each after a fresh read) before giving up until the next pass.</summary>
    public const int MaxAttempts = 5;

    public async Task ReleaseAsync(ResourceKind kind, IKubernetesObject<V1ObjectMeta> trigger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(kind);
        ArgumentNullException.ThrowIfNull(trigger);
        if (KubelessFinalizers.Of(kind) is not { } finalizer)
        {
            return;
        }

        var key = ResourceKey.Of(trigger);
        var uid = trigger.Metadata?.Uid;
        var finalizers = trigger.Metadata?.Finalizers;
        for (var attempt = 1; ; attempt++)
        {
            var index = finalizers?.IndexOf(finalizer) ?? -1;
            if (index < 0)
            {
                return;
            }

            try
            {
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(
                    new V1Patch(Patch(uid, finalizer, index).ToJsonString(), V1Patch.PatchType.JsonPatch),
                    kind.Group, kind.Version, key.Namespace, kind.Plural, key.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                LogReleased(logger, kind.Kind, key.ToString(), finalizer);
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
            {
                return;
            }
            catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.UnprocessableEntity or HttpStatusCode.Conflict && attempt < MaxAttempts)
            {
                LogChangedMeanwhile(logger, kind.Kind, key.ToString(), attempt);
            }

            var fresh = await ReadAsync(kind, key, cancellationToken).ConfigureAwait(false);
            if (fresh is null || (uid is not null && fresh.Value.Uid != uid))
            {
                // Gone, or the name now belongs to a new object whose finalizers are not ours to touch.
                return;
            }

            finalizers = fresh.Value.Finalizers;
        }
    }

    private static JsonArray Patch(string? uid, string finalizer, int index)
    {
        var patch = new JsonArray();
        if (!string.IsNullOrEmpty(uid))
        {
            patch.Add(new JsonObject { ["op"] = "test", ["path"] = "/metadata/uid", ["value"] = uid });
        }

        patch.Add(new JsonObject { ["op"] = "test", ["path"] = $"/metadata/finalizers/{index}", ["value"] = finalizer });
        patch.Add(new JsonObject { ["op"] = "remove", ["path"] = $"/metadata/finalizers/{index}" });
        return patch;
    }

    private async Task<(string? Uid, IList<string> Finalizers)?> ReadAsync(ResourceKind kind, ResourceKey key, CancellationToken cancellationToken)
    {
        try
        {
            var raw = await client.CustomObjects.GetNamespacedCustomObjectAsync(kind.Group, kind.Version, key.Namespace, kind.Plural, key.Name, cancellationToken).ConfigureAwait(false);
            var json = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
            var metadata = json.TryGetProperty("metadata", out var m) ? m : default;
            var uid = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("uid", out var u) ? u.GetString() : null;
            var finalizers = metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("finalizers", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
                : [];
            return (uid, finalizers);
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 2301, Level = LogLevel.Information, Message = "{Kind} {Trigger}: removed finalizer {Finalizer}")]
    private static partial void LogReleased(ILogger logger, string kind, string trigger, string finalizer);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Debug, Message = "{Kind} {Trigger}: finalizers changed meanwhile (attempt {Attempt}); reading them again")]
    private static partial void LogChangedMeanwhile(ILogger logger, string kind, string trigger, int attempt);
}
