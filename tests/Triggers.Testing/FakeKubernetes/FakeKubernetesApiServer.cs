using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Triggers.Testing.FakeKubernetes.Internal;

namespace Triggers.Testing.FakeKubernetes;

/// <summary>One request the fake API server received, with its Kubernetes verb (list, watch, get, create, update, patch, delete).</summary>
public sealed record FakeRequest(string Verb, string Method, string Path, string Query, string? Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>The <c>resourceVersion</c> query parameter, if any.</summary>
    public string? ResourceVersion { get; init; }
}

/// <summary>
/// A Kestrel-hosted stand-in for the Kubernetes API server, on a free loopback port, that speaks the real
/// REST and watch protocol to the real KubernetesClient: list/get/create/update/patch/delete, the status
/// subresource, optimistic concurrency, watch streams with bookmarks, 410 Gone after compaction, and a
/// global resourceVersion. Test controls: <see cref="Compact"/>, <see cref="DropWatches"/>,
/// <see cref="ExpireWatches"/>, <see cref="SendBookmarks"/>, <see cref="StopAsync"/>/<see cref="StartAsync"/>.
/// </summary>
public sealed class FakeKubernetesApiServer : IAsyncDisposable
{
    private readonly FakeStore _store = new(TimeProvider.System);
    private readonly ConcurrentDictionary<(string Group, string Plural), FakeResourceType> _types = new();
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private WebApplication? _app;
    private int _port;

    public FakeKubernetesApiServer()
    {
        foreach (var type in FakeResourceType.Defaults)
        {
            Register(type);
        }
    }

    /// <summary>The loopback port; stays the same across <see cref="StopAsync"/> and <see cref="StartAsync"/>.</summary>
    public int Port => _port;

    public Uri BaseUri => new($"http://127.0.0.1:{_port}");

    public bool IsRunning => _app is not null;

    /// <summary>The current global resourceVersion.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    public int OpenWatches => _store.OpenWatches;

    /// <summary>When true, a watch from a compacted resourceVersion gets HTTP 410; otherwise (like the real server) HTTP 200 with an ERROR event.</summary>
    public bool ExpiredWatchAsHttpStatus { get; set; }

    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public static async Task<FakeKubernetesApiServer> StartNewAsync(CancellationToken cancellationToken = default)
    {
        var server = new FakeKubernetesApiServer();
        await server.StartAsync(cancellationToken);
        return server;
    }

    /// <summary>Adds or changes a served resource (e.g. to remove its status subresource).</summary>
    public void Register(FakeResourceType type) => _types[(type.Group, type.Plural)] = type;

    /// <summary>Makes <c>/status</c> of a resource answer 404 and lets the main endpoint write status, like a CRD without a status subresource.</summary>
    public void DisableStatusSubresource(FakeResourceType type) => Register(type with { HasStatusSubresource = false });

    public int CountRequests(string verb, string? resource = null, string? subresource = null) =>
        _requests.Count(r => r.Verb == verb && (resource is null || r.Resource == resource) && (subresource is null || r.Subresource == subresource));

    /// <summary>Forgets the change history: resuming a watch (or an exact list) from any earlier resourceVersion now gets 410 Gone.</summary>
    public void Compact() => _store.Compact();

    /// <summary>Aborts every open watch connection, as a network cut or a load balancer would.</summary>
    public int DropWatches() => _store.DropWatches();

    /// <summary>Ends every open watch with an ERROR event carrying a 410 Expired Status.</summary>
    public int ExpireWatches() => _store.ExpireWatches();

    /// <summary>Sends a BOOKMARK with the current resourceVersion to every watch that asked for bookmarks.</summary>
    public int SendBookmarks() => _store.SendBookmarks();

    /// <summary>Creates or overwrites an object directly (no HTTP; works while stopped). Returns the stored object.</summary>
    public JsonObject Apply(FakeResourceType type, JsonObject obj) => _store.Apply(Resolve(type), obj);

    /// <summary>Creates or overwrites a KubernetesClient model directly (no HTTP; works while stopped).</summary>
    public JsonObject Apply<T>(FakeResourceType type, T obj)
        where T : IKubernetesObject<V1ObjectMeta> =>
        Apply(type, JsonNode.Parse(KubernetesJson.Serialize(obj))!.AsObject());

    /// <summary>Deletes an object directly, ignoring finalizers (no HTTP; works while stopped).</summary>
    public bool Remove(FakeResourceType type, string @namespace, string name) => _store.Remove(Resolve(type), @namespace, name);

    public JsonObject? Get(FakeResourceType type, string @namespace, string name)
    {
        var result = _store.Get(Resolve(type), @namespace, name);
        return result.IsSuccess ? result.Body : null;
    }

    public IReadOnlyList<JsonObject> List(FakeResourceType type) => _store.Snapshot(Resolve(type));

    /// <summary>Client settings pointing at this server.</summary>
    public KubernetesClientConfiguration ClientConfiguration() => new() { Host = BaseUri.ToString(), AccessToken = "fake-token" };

    public IKubernetes CreateClient() => new Kubernetes(ClientConfiguration());

    /// <summary>Writes a kubeconfig file pointing at this server and returns its path.</summary>
    public string WriteKubeconfig(string path, string @namespace = "default")
    {
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: {BaseUri}
            users:
            - name: fake
              user:
                token: fake-token
            contexts:
            - name: fake
              context:
                cluster: fake
                user: fake
                namespace: {@namespace}
            current-context: fake

            """;
        File.WriteAllText(path, text);
        return path;
    }

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null)
            {
                return;
            }

            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
            builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, _port));
            var app = builder.Build();
            app.Run(HandleAsync);
            await app.StartAsync(cancellationToken);
            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            _port = new Uri(address).Port;
            _app = app;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>Stops listening (an API server outage); the state is kept and <see cref="StartAsync"/> serves it again on the same port.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_app is not { } app)
            {
                return;
            }

            _app = null;
            _store.DropWatches();
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _lifecycle.Dispose();
    }

    private FakeResourceType Resolve(FakeResourceType type) => _types.GetOrAdd((type.Group, type.Plural), type);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var route = Route.Parse(request.Path.Value ?? "");
        var query = request.Query;
        var watch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = (request.Method, route?.Name is not null, watch) switch
        {
            ("GET", false, true) => "watch",
            ("GET", false, false) => "list",
            ("GET", true, _) => "get",
            ("POST", _, _) => "create",
            ("PUT", _, _) => "update",
            ("PATCH", _, _) => "patch",
            ("DELETE", true, _) => "delete",
            ("DELETE", false, _) => "deletecollection",
            _ => request.Method.ToLowerInvariant(),
        };
        _requests.Enqueue(new FakeRequest(verb, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", route?.Plural, route?.Namespace, route?.Name, route?.Subresource)
        {
            ResourceVersion = query["resourceVersion"],
        });

        if (route is null)
        {
            await WriteAsync(context, new(404, FakeStore.Status(404, "NotFound", "the server could not find the requested resource")));
            return;
        }

        if (route.Plural is null)
        {
            // GET /api/v1/namespaces/{ns}: every namespace exists here.
            await WriteAsync(context, new(200, new JsonObject
            {
                ["kind"] = "Namespace",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = route.Namespace },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            }));
            return;
        }

        var type = _types.GetOrAdd((route.Group, route.Plural), key => new FakeResourceType(key.Group, route.Version, key.Plural, GuessKind(key.Plural)));
        var isStatus = route.Subresource == "status";
        if ((route.Subresource is not null && !isStatus) || (isStatus && !type.HasStatusSubresource))
        {
            await WriteAsync(context, new(404, FakeStore.Status(404, "NotFound", "the server could not find the requested resource")));
            return;
        }

        Selectors selectors;
        try
        {
            selectors = Selectors.Parse(query["labelSelector"], query["fieldSelector"]);
        }
        catch (FormatException e)
        {
            await WriteAsync(context, new(400, FakeStore.Status(400, "BadRequest", e.Message)));
            return;
        }

        long? resourceVersion = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var ns = route.Namespace ?? "";
        var cancellationToken = context.RequestAborted;
        switch (verb)
        {
            case "watch":
                await WatchAsync(context, type, route.Namespace, selectors, resourceVersion);
                return;
            case "list":
                await WriteAsync(context, _store.List(type, route.Namespace, selectors, resourceVersion, query["resourceVersionMatch"]));
                return;
            case "get":
                await WriteAsync(context, _store.Get(type, ns, route.Name!));
                return;
            case "delete":
                await WriteAsync(context, _store.Delete(type, ns, route.Name!));
                return;
            case "create" when route.Namespace is not null && route.Name is null:
            case "update" when route.Name is not null:
            case "patch" when route.Name is not null:
                break;
            default:
                await WriteAsync(context, new(405, FakeStore.Status(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource")));
                return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            await WriteAsync(context, new(400, FakeStore.Status(400, "BadRequest", "the request body is not valid JSON: " + e.Message)));
            return;
        }

        var contentType = request.ContentType?.Split(';')[0].Trim() ?? "";
        var result = verb switch
        {
            "create" when body is JsonObject obj => _store.Create(type, ns, obj),
            "update" when body is JsonObject obj => _store.Update(type, ns, route.Name!, obj, isStatus),
            "patch" => _store.Patch(type, ns, route.Name!, contentType, body, isStatus),
            _ => new StoreResult(400, FakeStore.Status(400, "BadRequest", "the request body must be a JSON object")),
        };
        await WriteAsync(context, result);
    }

    private async Task WatchAsync(HttpContext context, FakeResourceType type, string? @namespace, Selectors selectors, long? resourceVersion)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var (stream, expired) = _store.OpenWatch(type, @namespace, selectors, resourceVersion, bookmarks);
        if (stream is null)
        {
            if (ExpiredWatchAsHttpStatus)
            {
                await WriteAsync(context, new(410, expired!));
            }
            else
            {
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(new JsonObject { ["type"] = "ERROR", ["object"] = expired }.ToJsonString() + "\n", context.RequestAborted);
            }

            return;
        }

        stream.Abort = context.Abort;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(timeout.Token);
            var reader = stream.Lines.Reader;
            while (await reader.WaitToReadAsync(timeout.Token))
            {
                var batch = new StringBuilder();
                while (reader.TryRead(out var line))
                {
                    batch.Append(line).Append('\n');
                }

                await context.Response.WriteAsync(batch.ToString(), timeout.Token);
                await context.Response.Body.FlushAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // Timeout, client gone, or dropped on purpose: the stream just ends.
        }
        finally
        {
            _store.CloseWatch(stream);
        }
    }

    private static async Task WriteAsync(HttpContext context, StoreResult result)
    {
        context.Response.StatusCode = result.Code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.Body.ToJsonString(), context.RequestAborted);
    }

    private static string GuessKind(string plural)
    {
        var singular = plural.EndsWith('s') ? plural[..^1] : plural;
        return singular.Length == 0 ? plural : char.ToUpperInvariant(singular[0]) + singular[1..];
    }

    /// <summary>A parsed API path: /api/v1/... or /apis/group/version/..., optionally namespaced, item and subresource.</summary>
    private sealed record Route(string Group, string Version, string? Namespace, string? Plural, string? Name, string? Subresource)
    {
        public static Route? Parse(string path)
        {
            var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
            string group;
            string version;
            int rest;
            if (segments.Length >= 3 && segments[0] == "api")
            {
                (group, version, rest) = ("", segments[1], 2);
            }
            else if (segments.Length >= 4 && segments[0] == "apis")
            {
                (group, version, rest) = (segments[1], segments[2], 3);
            }
            else
            {
                return null;
            }

            var tail = segments[rest..];
            return tail switch
            {
                [var plural] when plural != "namespaces" => new(group, version, null, plural, null, null),
                ["namespaces", var ns] when group.Length == 0 => new(group, version, ns, null, null, null),
                ["namespaces", var ns, var plural] => new(group, version, ns, plural, null, null),
                ["namespaces", var ns, var plural, var name] => new(group, version, ns, plural, name, null),
                ["namespaces", var ns, var plural, var name, var sub] => new(group, version, ns, plural, name, sub),
                _ => null,
            };
        }
    }
}
