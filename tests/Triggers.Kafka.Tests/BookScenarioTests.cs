using System.Text;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests;

/// <summary>
/// The Kubeless user's flow, unchanged manifests: a Function labelled by <c>kubeless function deploy</c>
/// and a KafkaTrigger selecting it (with the Kubeless finalizer); a JSON record on the topic reaches
/// the function with the Kubeless and CloudEvents headers. Once from a manifests folder, once through
/// the (fake) Kubernetes API server with status written back.
/// </summary>
public sealed partial class BookScenarioTests
{
    private const string Order = """{"orderId":42,"customer":"c-7","items":[{"sku":"book","qty":1}]}""";

    [Fact]
    public async Task Book_Scenario_In_Manifests_Mode_Delivers_With_Kubeless_Headers()
    {
        await using var scenario = await Scenario.StartAsync("orders-" + Guid.NewGuid().ToString("N")[..8], partitions: 3);
        scenario.WriteManifests(extraSpec: "");
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await WaitReadyAsync(worker, scenario);

        await AssertOrderFlowsAsync(scenario, worker);
    }

    [Fact]
    public async Task Book_Scenario_In_Kubernetes_Mode_Delivers_And_Writes_Ready_Status()
    {
        await using var scenario = await Scenario.StartAsync("orders-" + Guid.NewGuid().ToString("N")[..8], partitions: 3);
        await using var api = await FakeKubernetesApiServer.StartNewAsync();
        api.ApplyManifests(Manifests.Function(scenario.FunctionName, scenario.Function.Url) + "\n---\n" + Manifests.KafkaTrigger(scenario.TriggerName, scenario.FunctionName, scenario.Topic));
        await using var worker = await InProcessWorker.StartAsync(scenario.KubernetesSettings(api));
        await WaitReadyAsync(worker, scenario);

        await Eventually.WaitUntilAsync(() => ReadyCondition(api, scenario.TriggerName) == "True", "the worker writes Ready=True into the KafkaTrigger's status");
        await AssertOrderFlowsAsync(scenario, worker);

        // Deleting the function stops its consumer and the trigger reports why.
        api.Remove(FakeResourceType.Functions, "default", scenario.FunctionName);
        await Eventually.WaitUntilAsync(() => ReadyCondition(api, scenario.TriggerName) == "False", "the trigger becomes Ready=False once its function is gone");
        Assert.Contains("NoMatchingFunctions", api.Get(FakeResourceType.KafkaTriggers, "default", scenario.TriggerName)!.ToJsonString(), StringComparison.Ordinal);
    }

    private static async Task WaitReadyAsync(InProcessWorker worker, Scenario scenario) =>
        await Eventually.WaitUntilAsync(async () =>
        {
            var (ready, _) = await worker.ReadyzAsync();
            var status = await worker.StatusAsync();
            return ready && status.GetProperty("triggers").EnumerateArray().Any(t => t.GetProperty("name").GetString() == scenario.TriggerName && t.GetProperty("ready").GetBoolean());
        }, "the worker is ready and reports the trigger Ready");

    private static async Task AssertOrderFlowsAsync(Scenario scenario, InProcessWorker worker)
    {
        // The trigger starts at the latest offset (Kubeless default): produce until the group has joined and the function sees an order.
        using var producer = scenario.Cluster.CreateProducer();
        await Eventually.WaitUntilAsync(async () =>
        {
            await producer.ProduceAsync(new TopicPartition(scenario.Topic, 1), new Message<byte[], byte[]>
            {
                Key = "c-7"u8.ToArray(),
                Value = Encoding.UTF8.GetBytes(Order),
                Headers = new Headers { { "x-request-id", "r-1"u8.ToArray() } },
            });
            return scenario.Function.Count > 0;
        }, "an order produced after the consumer joined reaches the function");

        var request = scenario.Function.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal(Order, request.BodyText);
        Assert.Matches(EventId(), request.Header("event-id"));
        Assert.Equal(request.Header("event-id"), request.Header("ce-id"));
        Assert.Equal("kafkatriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal(scenario.Topic, request.Header("event-topic"));
        Assert.Equal("application/json", request.Header("event-type"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.True(DateTimeOffset.TryParse(request.Header("event-time"), out _), request.Header("event-time"));
        Assert.Equal("1.0", request.Header("ce-specversion"));
        Assert.Equal($"/apis/kubeless.io/v1beta1/namespaces/default/kafkatriggers/{scenario.TriggerName}/topics/{scenario.Topic}", request.Header("ce-source"));
        Assert.Equal("1", request.Header("kafka-partition"));
        Assert.Equal("c-7", request.Header("kafka-key"));
        Assert.Equal("r-1", request.Header("x-request-id"));
        Assert.Equal($"partition:1/offset:{request.Header("kafka-offset")}", request.Header("event-id"));

        // This trigger's own lag series (MetricsIsolationTests: a worker's /metrics carries no other worker's).
        await Eventually.WaitUntilAsync(
            async () => (await worker.MetricsAsync()).Split('\n').Any(l => l.StartsWith("triggers_kafka_consumer_lag{", StringComparison.Ordinal) && l.Contains($"topic=\"{scenario.Topic}\"", StringComparison.Ordinal)),
            "/metrics reports consumer lag per partition of this trigger's topic");
    }

    private static string? ReadyCondition(FakeKubernetesApiServer api, string trigger)
    {
        var conditions = api.Get(FakeResourceType.KafkaTriggers, "default", trigger)?["status"]?["conditions"]?.AsArray();
        return conditions?.FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready")?["status"]?.GetValue<string>();
    }

    [GeneratedRegex(@"^partition:\d+/offset:\d+$")]
    private static partial Regex EventId();
}
