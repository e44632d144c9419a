using System.Text;
using Confluent.Kafka;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests;

/// <summary>KafkaTriggers deleted by their owner, in Kubernetes mode against the fake API server and the mock cluster.</summary>
public sealed class TriggerDeletionTests
{
    private const string Keep = "example.com/keep";

    [Fact]
    public async Task Deleted_Trigger_Stops_Within_5s_And_Only_The_Kubeless_Finalizer_Goes()
    {
        await using var scenario = await Scenario.StartAsync("del-" + Guid.NewGuid().ToString("N")[..8], partitions: 2, brokers: 1);
        var ours = scenario.Topic + "-ours";
        var kept = scenario.Topic + "-kept";
        scenario.Cluster.CreateTopic(ours, 2);
        scenario.Cluster.CreateTopic(kept, 2);
        await using var api = await FakeKubernetesApiServer.StartNewAsync();
        api.Apply(FakeResourceType.Functions, new Function
        {
            Metadata = new V1ObjectMeta
            {
                Name = "fn",
                NamespaceProperty = "default",
                Labels = new Dictionary<string, string> { ["function"] = "fn" },
                Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = scenario.Function.Url.ToString() },
            },
            Spec = new FunctionSpec { Handler = "h.main", Runtime = "python3.7" },
        });
        api.Apply(FakeResourceType.KafkaTriggers, Trigger("shared", scenario.Topic, KubelessFinalizers.KafkaTrigger, Keep));
        api.Apply(FakeResourceType.KafkaTriggers, Trigger("ours", ours, KubelessFinalizers.KafkaTrigger));
        api.Apply(FakeResourceType.KafkaTriggers, Trigger("kept", kept, KubelessFinalizers.KafkaTrigger));

        var settings = scenario.Settings();
        settings["Triggers:Source"] = "Kubernetes";
        settings["Triggers:Kubeconfig"] = api.WriteKubeconfig(Path.Combine(scenario.ManifestsPath, "kubeconfig"));
        settings["Triggers:AllowedEndpoints:0"] = "http://127.0.0.1:";
        settings.Remove("Triggers:ManifestsPath");
        await using var worker = await InProcessWorker.StartAsync(settings);
        await Produce(scenario, scenario.Topic, "before");
        await scenario.Function.WaitForRequestsAsync(1, TimeSpan.FromSeconds(60));
        await Eventually.WaitUntilAsync(async () => (await ReadyTriggersAsync(worker)).Count == 3, "the three triggers run", TimeSpan.FromSeconds(60));

        using var kube = api.CreateClient();
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "default", "kafkatriggers", "shared");
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "default", "kafkatriggers", "ours");

        await Eventually.WaitUntilAsync(async () => (await ReadyTriggersAsync(worker)).SequenceEqual(["kept"]), "the deleted triggers' consumers stop", TimeSpan.FromSeconds(5));
        await Eventually.WaitUntilAsync(() => Finalizers(api, "shared") == $"""["{Keep}"]""", "the Kubeless finalizer goes and the foreign one stays");
        await Eventually.WaitUntilAsync(() => api.Get(FakeResourceType.KafkaTriggers, "default", "ours") is null, "the trigger with only the Kubeless finalizer disappears");

        // Produced after the delete: nothing reaches the function through the deleted triggers; the kept one still delivers.
        await Produce(scenario, scenario.Topic, "after");
        await Produce(scenario, ours, "after");
        await Produce(scenario, kept, "sentinel");
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Any(r => r.BodyText == "sentinel"), "the kept trigger still delivers", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(scenario.Function.Requests, r => r.BodyText == "after");
    }

    private static KafkaTrigger Trigger(string name, string topic, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Finalizers = finalizers },
        Spec = new KafkaTriggerSpec
        {
            Topic = topic,
            InitialOffset = "earliest",
            FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "fn" } },
        },
    };

    private static async Task Produce(Scenario scenario, string topic, string body)
    {
        using var producer = scenario.Cluster.CreateProducer();
        await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = null!, Value = Encoding.UTF8.GetBytes(body) });
    }

    private static async Task<List<string>> ReadyTriggersAsync(InProcessWorker worker) =>
        [.. (await worker.StatusAsync()).GetProperty("triggers").EnumerateArray()
            .Where(t => t.GetProperty("ready").GetBoolean())
            .Select(t => t.GetProperty("name").GetString()!)
            .Order(StringComparer.Ordinal)];

    private static string? Finalizers(FakeKubernetesApiServer api, string name) =>
        api.Get(FakeResourceType.KafkaTriggers, "default", name)?["metadata"]?["finalizers"]?.ToJsonString();
}
