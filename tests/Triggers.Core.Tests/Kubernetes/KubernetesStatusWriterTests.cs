using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Triggers.Core.Kubernetes;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

public sealed class KubernetesStatusWriterTests : IAsyncLifetime
{
    private static readonly FakeResourceType Triggers = FakeResourceType.NatsTriggers;
    private readonly CapturingLogger<KubernetesStatusWriter> _logger = new();
    private FakeKubernetesApiServer _server = null!;
    private IKubernetes _client = null!;
    private KubernetesStatusWriter _writer = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartNewAsync();
        _client = _server.CreateClient();
        _writer = new KubernetesStatusWriter(_client, TimeProvider.System, _logger);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Writes_Ready_Condition_And_ObservedGeneration_Without_Touching_Spec_Or_Generation()
    {
        await CreateTriggerAsync("ns", "audit");
        var state = new TriggerState(ResourceKind.NatsTrigger, new ResourceKey("ns", "audit"), 1, new TriggerCondition(false, "NoMatchingFunctions", "no Function matches function=audit"), 0, new DateTimeOffset(2026, 11, 27, 1, 2, 3, TimeSpan.Zero));

        await _writer.WriteAsync(state, CancellationToken.None);

        var stored = _server.Get(Triggers, "ns", "audit")!;
        var condition = stored["status"]!["conditions"]![0]!;
        Assert.Equal("Ready", (string?)condition["type"]);
        Assert.Equal("False", (string?)condition["status"]);
        Assert.Equal("NoMatchingFunctions", (string?)condition["reason"]);
        Assert.Equal("no Function matches function=audit", (string?)condition["message"]);
        Assert.Equal("2026-11-27T01:02:03Z", (string?)condition["lastTransitionTime"]);
        Assert.Equal(1, (long?)condition["observedGeneration"]);
        Assert.Equal(1, (long?)stored["status"]!["observedGeneration"]);
        Assert.Equal(1, (long?)stored["metadata"]!["generation"]);
        Assert.Equal("events.todo.newitem", (string?)stored["spec"]!["topic"]);
        Assert.Equal(1, _server.CountRequests("patch", "natstriggers", "status"));

        // Read back through the model: the status lands in TriggerStatus.
        var trigger = KubernetesJson.Deserialize<NatsTrigger>(stored.ToJsonString());
        Assert.Equal("False", trigger.Status.Conditions![0].Status);
    }

    [Fact]
    public async Task Writes_Cron_Times_When_Set()
    {
        await CreateTriggerAsync("ns", "tick");
        var at = new DateTime(2026, 11, 27, 1, 0, 0, DateTimeKind.Utc);
        var state = new TriggerState(ResourceKind.NatsTrigger, new ResourceKey("ns", "tick"), 3, new TriggerCondition(true, "Scheduled", "next at 01:01"), 1, DateTimeOffset.UnixEpoch)
        {
            LastScheduleTime = at,
            LastSuccessfulTime = at,
            NextScheduleTime = at.AddMinutes(1),
        };

        await _writer.WriteAsync(state, CancellationToken.None);

        var status = _server.Get(Triggers, "ns", "tick")!["status"]!;
        Assert.Equal("2026-11-27T01:00:00Z", (string?)status["lastScheduleTime"]);
        Assert.Equal("2026-11-27T01:00:00Z", (string?)status["lastSuccessfulTime"]);
        Assert.Equal("2026-11-27T01:01:00Z", (string?)status["nextScheduleTime"]);
        Assert.Equal("True", (string?)status["conditions"]![0]!["status"]);
    }

    [Fact]
    public async Task Survives_A_Crd_Without_Status_Subresource_And_Logs_Once()
    {
        _server.DisableStatusSubresource(Triggers);
        await CreateTriggerAsync("ns", "one");
        await CreateTriggerAsync("ns", "two");
        var before = _server.Get(Triggers, "ns", "one")!;

        await _writer.WriteAsync(State("ns", "one", ready: true), CancellationToken.None);
        await _writer.WriteAsync(State("ns", "two", ready: false), CancellationToken.None);
        await _writer.WriteAsync(State("ns", "one", ready: false), CancellationToken.None);

        Assert.Equal(1, _logger.Count(2101));
        Assert.Equal(1, _server.CountRequests("patch", "natstriggers", "status"));
        Assert.True(JsonNode.DeepEquals(before, _server.Get(Triggers, "ns", "one")));
    }

    [Fact]
    public async Task A_Failed_Write_Is_Retried_On_The_Next_Write()
    {
        await CreateTriggerAsync("ns", "first");
        await CreateTriggerAsync("ns", "second");

        await _server.StopAsync();
        await _writer.WriteAsync(State("ns", "first", ready: true), CancellationToken.None);
        Assert.Equal(1, _logger.Count(2103));
        await _server.StartAsync();

        await _writer.WriteAsync(State("ns", "second", ready: true), CancellationToken.None);

        Assert.Equal("True", (string?)_server.Get(Triggers, "ns", "first")!["status"]!["conditions"]![0]!["status"]);
        Assert.Equal("True", (string?)_server.Get(Triggers, "ns", "second")!["status"]!["conditions"]![0]!["status"]);
    }

    [Fact]
    public async Task A_Deleted_Trigger_Is_Not_Mistaken_For_A_Missing_Subresource()
    {
        await CreateTriggerAsync("ns", "alive");

        await _writer.WriteAsync(State("ns", "gone", ready: true), CancellationToken.None);
        await _writer.WriteAsync(State("ns", "alive", ready: true), CancellationToken.None);

        Assert.Equal(0, _logger.Count(2101));
        Assert.Equal("True", (string?)_server.Get(Triggers, "ns", "alive")!["status"]!["conditions"]![0]!["status"]);
    }

    private static TriggerState State(string @namespace, string name, bool ready) =>
        new(ResourceKind.NatsTrigger, new ResourceKey(@namespace, name), 1, new TriggerCondition(ready, ready ? "Subscribed" : "Invalid", "m"), 1, DateTimeOffset.UnixEpoch);

    private Task CreateTriggerAsync(string @namespace, string name) =>
        _client.CustomObjects.CreateNamespacedCustomObjectAsync(
            new NatsTrigger
            {
                Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
                Spec = new NatsTriggerSpec { Topic = "events.todo.newitem", FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = name } } },
            },
            "kubeless.io", "v1beta1", @namespace, "natstriggers");
}
