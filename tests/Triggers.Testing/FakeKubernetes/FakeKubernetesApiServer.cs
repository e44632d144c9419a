using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Triggers.Testing.FakeKubernetes.Internal;

namespace Triggers.Testing.FakeKubernetes;

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
    private readonly FakeApiHandler _handler;
    private int _port;

    public FakeKubernetesApiServer()
    {
        _handler = new(_store, _types, _requests, () => ExpiredWatchAsHttpStatus);
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
            app.Run(_handler.HandleAsync);
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
}
