using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Kubernetes.Internal;

/// <summary>
/// List and watch of one resource kind through KubernetesClient: core Services typed, custom resources
/// as JSON; <paramref name="labelSelector"/>, when set, filters both on the server.
/// </summary>
internal sealed class KindClient(IKubernetes client, ResourceKind kind, string? @namespace, string? labelSelector = null)
{
    public ResourceKind Kind => kind;

    public async Task<KindList> ListAsync(CancellationToken cancellationToken)
    {
        if (kind == ResourceKind.Service)
        {
            var list = @namespace is null
                ? await client.CoreV1.ListServiceForAllNamespacesAsync(labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)
                : await client.CoreV1.ListNamespacedServiceAsync(@namespace, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new KindList(list.Items.Select(Normalize).ToArray(), list.Metadata?.ResourceVersion ?? "", []);
        }

        var raw = @namespace is null
            ? await client.CustomObjects.ListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await client.CustomObjects.ListNamespacedCustomObjectAsync(kind.Group, kind.Version, @namespace, kind.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        var json = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
        var items = new List<IKubernetesObject<V1ObjectMeta>>();
        var problems = new List<(ResourceKey, string)>();
        if (json.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                var (obj, key, problem) = Read(item);
                if (obj is not null)
                {
                    items.Add(obj);
                }
                else
                {
                    problems.Add((key, problem!));
                }
            }
        }

        var resourceVersion = json.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() ?? "" : "";
        return new KindList(items, resourceVersion, problems);
    }

    /// <summary>
    /// Watches from <paramref name="resourceVersion"/> with bookmarks. ERROR events (a Status, e.g. 410
    /// Expired) reach <paramref name="onError"/> as a <see cref="KubernetesException"/>; HTTP errors are thrown.
    /// </summary>
    public async IAsyncEnumerable<KindEvent> WatchAsync(string resourceVersion, int timeoutSeconds, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (kind == ResourceKind.Service)
        {
            var services = @namespace is null
                ? client.CoreV1.WatchListServiceForAllNamespacesAsync(allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
                : client.CoreV1.WatchListNamespacedServiceAsync(@namespace, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
            await foreach (var (type, service) in services.ConfigureAwait(false))
            {
                var rv = service?.Metadata?.ResourceVersion;
                yield return type == WatchEventType.Bookmark || service is null
                    ? new KindEvent(type, rv, null, null, null)
                    : new KindEvent(type, rv, ResourceKey.Of(service), Normalize(service), null);
            }

            yield break;
        }

        var events = @namespace is null
            ? client.CustomObjects.WatchListClusterCustomObjectAsync(kind.Group, kind.Version, kind.Plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken)
            : client.CustomObjects.WatchListNamespacedCustomObjectAsync(kind.Group, kind.Version, @namespace, kind.Plural, allowWatchBookmarks: true, labelSelector: labelSelector, resourceVersion: resourceVersion, timeoutSeconds: timeoutSeconds, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, raw) in events.ConfigureAwait(false))
        {
            var json = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
            var rv = json.TryGetProperty("metadata", out var metadata) && metadata.TryGetProperty("resourceVersion", out var v) ? v.GetString() : null;
            if (type == WatchEventType.Bookmark)
            {
                yield return new KindEvent(type, rv, null, null, null);
                continue;
            }

            var (obj, key, problem) = Read(json);
            yield return new KindEvent(type, rv, key, obj, problem);
        }
    }

    private static IKubernetesObject<V1ObjectMeta> Normalize(V1Service service)
    {
        // Items of a built-in list carry no apiVersion/kind; the cache holds complete objects.
        service.ApiVersion ??= "v1";
        service.Kind ??= V1Service.KubeKind;
        return service;
    }

    private (IKubernetesObject<V1ObjectMeta>? Object, ResourceKey Key, string? Problem) Read(JsonElement item)
    {
        var metadata = item.TryGetProperty("metadata", out var m) ? m : default;
        var key = new ResourceKey(
            metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("namespace", out var ns) ? ns.GetString() ?? "default" : "default",
            metadata.ValueKind == JsonValueKind.Object && metadata.TryGetProperty("name", out var name) ? name.GetString() ?? "" : "");
        try
        {
            var obj = ResourceJson.Deserialize(kind, JsonNode.Parse(item.GetRawText())!);
            return (obj, key, null);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or NotSupportedException)
        {
            return (null, key, e.Message);
        }
    }
}
