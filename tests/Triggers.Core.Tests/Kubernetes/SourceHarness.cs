using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Options;
using Triggers.Core.Kubernetes;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>A fake API server, a client, and a running <see cref="KubernetesResourceSource"/> feeding a cache.</summary>
internal sealed class SourceHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _running = Task.CompletedTask;

    private SourceHarness(FakeKubernetesApiServer server, string? @namespace)
    {
        Server = server;
        Client = server.CreateClient();
        Cache = new ResourceCache([ResourceKind.Function, ResourceKind.Service, ResourceKind.NatsTrigger]);
        Source = new KubernetesResourceSource(server.CreateClient(), Options.Create(new TriggersOptions { Namespace = @namespace }), TimeProvider.System, Logger)
        {
            InitialBackoff = TimeSpan.FromMilliseconds(50),
            MaxBackoff = TimeSpan.FromMilliseconds(500),
            ListTimeout = TimeSpan.FromSeconds(3),
        };
    }

    public CapturingLogger<KubernetesResourceSource> Logger { get; } = new();

    public FakeKubernetesApiServer Server { get; }

    public IKubernetes Client { get; }

    public ResourceCache Cache { get; }

    public KubernetesResourceSource Source { get; }

    public static async Task<SourceHarness> StartAsync(string? @namespace = null, Func<FakeKubernetesApiServer, Task>? seed = null)
    {
        var server = await FakeKubernetesApiServer.StartNewAsync();
        var harness = new SourceHarness(server, @namespace);
        if (seed is not null)
        {
            await seed(server);
        }

        harness._running = harness.Source.RunAsync(harness.Cache, harness._stop.Token);
        await Eventually.WaitUntilAsync(() => harness.Cache.IsSynced, "the first list of every kind is done");
        return harness;
    }

    public static Function NewFunction(string @namespace, string name, IDictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = labels ?? new Dictionary<string, string> { ["function"] = name } },
        Spec = new FunctionSpec { Handler = "handler.run", Runtime = "python3.7", Function = "def run(event, context):\n  return 'ok'\n" },
    };

    public Task CreateFunctionAsync(string @namespace, string name) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync(NewFunction(@namespace, name), "kubeless.io", "v1beta1", @namespace, "functions");

    public Task DeleteFunctionAsync(string @namespace, string name) =>
        Client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", @namespace, "functions", name);

    /// <summary>True when the cache holds exactly the server's Functions, each at the server's resourceVersion.</summary>
    public bool CacheMatchesServer(FakeResourceType type, ResourceKind kind)
    {
        var expected = Server.List(type)
            .Select(o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}@{o["metadata"]!["resourceVersion"]}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        var actual = Cache.Snapshot().All<IKubernetesObject<V1ObjectMeta>>(kind)
            .Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}@{o.Metadata.ResourceVersion}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        return expected.SequenceEqual(actual);
    }

    /// <summary>
    /// Waits until the cache equals the server; on time-out the failure carries what a flaky run needs
    /// to be understood: both sides, every list and watch request, and the source's log.
    /// </summary>
    public async Task WaitUntilCacheMatchesServerAsync(FakeResourceType type, ResourceKind kind, string because)
    {
        try
        {
            await Eventually.WaitUntilAsync(() => CacheMatchesServer(type, kind), because);
        }
        catch (TimeoutException e)
        {
            var server = string.Join(", ", Server.List(type).Select(o => $"{o["metadata"]!["namespace"]}/{o["metadata"]!["name"]}@{o["metadata"]!["resourceVersion"]}"));
            var cache = string.Join(", ", Cache.Snapshot().All<IKubernetesObject<V1ObjectMeta>>(kind).Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}@{o.Metadata.ResourceVersion}"));
            var requests = string.Join("\n  ", Server.Requests.Where(r => r.Verb is "list" or "watch").Select(r => $"{r.Verb} {r.Path}{r.Query}"));
            var log = string.Join("\n  ", Logger.Entries.Select(l => $"{l.Level} {l.EventId.Id}: {l.Message}"));
            throw new TimeoutException($"{e.Message}\nserver: {server}\ncache: {cache}\nrequests:\n  {requests}\nsource log:\n  {log}", e);
        }
    }

    public string[] CachedNames(ResourceKind kind) =>
        Cache.Snapshot().All<IKubernetesObject<V1ObjectMeta>>(kind).Select(o => $"{o.Metadata.NamespaceProperty}/{o.Metadata.Name}").Order(StringComparer.Ordinal).ToArray();

    public static JsonObject FunctionJson(string @namespace, string name) =>
        JsonNode.Parse(KubernetesJson.Serialize(NewFunction(@namespace, name)))!.AsObject();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
