using System.Text;
using Confluent.Kafka;
using Triggers.Core.Reconcile;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests;

/// <summary>An unexpected exception while handling one trigger's records shows on that trigger (Degraded), in Kubernetes mode.</summary>
public sealed class DegradedConditionTests
{
    [Fact]
    public async Task A_Record_Whose_Handling_Throws_Degrades_Only_Its_Trigger_And_Is_Delivered_Once_Handling_Works_Again()
    {
        await using var scenario = await Scenario.StartAsync("degraded-" + Guid.NewGuid().ToString("N")[..8], partitions: 2, brokers: 1);
        var good = scenario.Topic + "-good";
        scenario.Cluster.CreateTopic(good, 2);
        await using var api = await FakeKubernetesApiServer.StartNewAsync();
        api.ApplyManifests(string.Join("\n---\n",
            Manifests.Function("fn", scenario.Function.Url),
            Manifests.KafkaTrigger("bad", "fn", scenario.Topic, extraSpec: "initialOffset: earliest"),
            Manifests.KafkaTrigger("good", "fn", good, extraSpec: "initialOffset: earliest")));
        ThrowingDispatcher dispatcher = null!;
        await using var worker = await InProcessWorker.StartAsync(scenario.KubernetesSettings(api), s => dispatcher = ThrowingDispatcher.ForTopic(s, scenario.Topic));

        await ProduceAsync(scenario, scenario.Topic, "first");
        await Eventually.WaitUntilAsync(() => Condition(api, "bad", DegradedCondition.Type).Status == "True", "the API server shows bad Degraded=True", TimeSpan.FromSeconds(60));
        var degraded = Condition(api, "bad", DegradedCondition.Type);
        Assert.Equal(ConditionReasons.RecordHandlingFailed, degraded.Reason);
        Assert.Contains($"InvalidOperationException: {ThrowingDispatcher.ErrorText}", degraded.Message, StringComparison.Ordinal);
        Assert.Contains(scenario.Topic, degraded.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("first", degraded.Message, StringComparison.Ordinal);
        Assert.Equal("True", Condition(api, "bad", "Ready").Status);

        // The other trigger on the same worker delivers, and is not degraded.
        for (var i = 0; i < 5; i++)
        {
            await ProduceAsync(scenario, good, $"good-{i}");
        }

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Count(r => r.Header("event-topic") == good) == 5, "the good trigger delivers its five records", TimeSpan.FromSeconds(60));
        Assert.Null(Condition(api, "good", DegradedCondition.Type).Status);
        Assert.DoesNotContain(scenario.Function.Requests, r => r.Header("event-topic") == scenario.Topic);

        // The failing record is tried again; once handling works it is delivered and the trigger recovers.
        dispatcher.Throwing = false;
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Any(r => r.BodyText == "first"), "the record that failed is delivered", TimeSpan.FromSeconds(60));
        await Eventually.WaitUntilAsync(() => Condition(api, "bad", DegradedCondition.Type) is ("False", ConditionReasons.Recovered, _), "the API server shows bad Degraded=False Recovered");
        Assert.Equal("True", Condition(api, "bad", "Ready").Status);
    }

    private static async Task ProduceAsync(Scenario scenario, string topic, string body)
    {
        using var producer = scenario.Cluster.CreateProducer();
        await producer.ProduceAsync(topic, new Message<byte[], byte[]> { Key = null!, Value = Encoding.UTF8.GetBytes(body) });
    }

    private static (string? Status, string? Reason, string? Message) Condition(FakeKubernetesApiServer api, string name, string type)
    {
        var condition = api.Get(FakeResourceType.KafkaTriggers, "default", name)?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
        return ((string?)condition?["status"], (string?)condition?["reason"], (string?)condition?["message"]);
    }
}
