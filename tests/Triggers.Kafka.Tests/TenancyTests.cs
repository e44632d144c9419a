using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests;

/// <summary>Tenants that do not trust each other, in Kubernetes mode against the fake API server and the mock cluster.</summary>
public sealed class TenancyTests
{
    [Fact]
    public async Task A_Trigger_Naming_Another_Namespaces_Consumer_Group_Is_Refused_And_The_Owner_Receives_Every_Record()
    {
        await using var scenario = await Scenario.StartAsync("jobs-" + Guid.NewGuid().ToString("N")[..8], partitions: 3);
        await using var intruder = await RecordingFunctionServer.StartAsync();
        await using var api = await FakeKubernetesApiServer.StartNewAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var a = "tenant-a-" + suffix;
        var b = "tenant-b-" + suffix;
        var group = $"{b}_jobs";
        api.ApplyManifests(string.Join("\n---\n",
            Manifests.Function("fn", scenario.Function.Url, b),
            Manifests.KafkaTrigger("jobs", "fn", scenario.Topic, b, $"consumerGroup: {group}\ninitialOffset: earliest"),
            Manifests.Function("fn", intruder.Url, a),
            Manifests.KafkaTrigger("jobs", "fn", scenario.Topic, a, $"consumerGroup: {group}\ninitialOffset: earliest")));
        await using var worker = await InProcessWorker.StartAsync(scenario.KubernetesSettings(api));

        await Eventually.WaitUntilAsync(() => Ready(api, b) == ("True", "Subscribed"), "the owner's trigger is Ready");
        await Eventually.WaitUntilAsync(() => Ready(api, a) == ("False", KafkaTopicPolicy.ReasonConsumerGroupNotAllowed), $"the intruder's trigger is refused (has {Ready(api, a)})");

        const int Count = 300;
        var produced = await scenario.ProduceAsync(Count);
        await Eventually.WaitUntilAsync(() => scenario.Delivered(r => true).Count == Count, $"the owner received all {Count} records (has {scenario.Delivered(r => true).Count})");

        Assert.Equal(produced.Select(p => Scenario.Body(p.Partition, p.Seq)).ToHashSet(), scenario.Delivered(r => true));
        Assert.Equal(0, intruder.Count);
    }

    private static (string?, string?) Ready(FakeKubernetesApiServer api, string @namespace)
    {
        var conditions = api.Get(FakeResourceType.KafkaTriggers, @namespace, "jobs")?["status"]?["conditions"]?.AsArray();
        var ready = conditions?.FirstOrDefault(c => c?["type"]?.GetValue<string>() == "Ready");
        return (ready?["status"]?.GetValue<string>(), ready?["reason"]?.GetValue<string>());
    }
}
