using Microsoft.Extensions.DependencyInjection;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests;

/// <summary>
/// A consumer's configuration is checked by librdkafka before its thread starts; the check builds a
/// throwaway client once per distinct configuration, not once per trigger.
/// </summary>
public sealed class ConsumerConfigCheckTests
{
    [Fact]
    public async Task Triggers_With_The_Same_Settings_Start_After_One_Throwaway_Consumer_And_Each_Delivers()
    {
        await using var scenario = await Scenario.StartAsync("check-once-" + Guid.NewGuid().ToString("N")[..8], partitions: 2, brokers: 1);
        File.WriteAllText(Path.Combine(scenario.ManifestsPath, "function.yaml"), Manifests.Function(scenario.FunctionName, scenario.Function.Url));
        File.WriteAllText(Path.Combine(scenario.ManifestsPath, "triggers.yaml"), string.Join("\n---\n",
            Enumerable.Range(0, 3).Select(i => Manifests.KafkaTrigger($"t{i}", scenario.FunctionName, scenario.Topic, extraSpec: "initialOffset: earliest"))));
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        var consumers = worker.Services.GetRequiredService<KafkaSubscriptionSet>();
        await Eventually.WaitUntilAsync(() => consumers.Count == 3, "the three consumers run", TimeSpan.FromSeconds(30));

        // Each trigger is its own group: every record reaches the function three times.
        await scenario.ProduceAsync(4);
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Count == 12, $"each of the 3 triggers delivers the 4 records (has {scenario.Function.Requests.Count})", TimeSpan.FromSeconds(60));
        Assert.Equal(1, consumers.ConfigChecks);
    }

    [Fact]
    public async Task A_Setting_Librdkafka_Refuses_Fails_Every_Trigger_With_Its_Name_And_The_Setting()
    {
        await using var scenario = await Scenario.StartAsync("check-bad-" + Guid.NewGuid().ToString("N")[..8], partitions: 1, brokers: 1);
        await using var api = await FakeKubernetesApiServer.StartNewAsync();
        api.ApplyManifests(string.Join("\n---\n",
            Manifests.Function("fn", scenario.Function.Url),
            Manifests.KafkaTrigger("first", "fn", scenario.Topic),
            Manifests.KafkaTrigger("second", "fn", scenario.Topic)));
        var settings = scenario.KubernetesSettings(api);
        // The options validator only checks that the file exists; librdkafka finds no certificate in it.
        var notPem = Path.Combine(scenario.ManifestsPath, "ca.pem");
        File.WriteAllText(notPem, "not a certificate");
        settings["Kafka:SecurityProtocol"] = "Ssl";
        settings["Kafka:SslCaLocation"] = notPem;
        await using var worker = await InProcessWorker.StartAsync(settings);

        foreach (var name in new[] { "first", "second" })
        {
            await Eventually.WaitUntilAsync(() => Ready(api, name).Reason == "SubscribeFailed", $"{name} is not Ready (has {Ready(api, name)})", TimeSpan.FromSeconds(30));
            var (status, _, message) = Ready(api, name);
            Assert.Equal("False", status);
            Assert.Contains($"default/{name}/fn", message, StringComparison.Ordinal);
            Assert.Contains("ssl.ca.location", message, StringComparison.Ordinal);
        }

        Assert.Equal(0, worker.Services.GetRequiredService<KafkaSubscriptionSet>().Count);
    }

    private static (string? Status, string? Reason, string? Message) Ready(FakeKubernetesApiServer api, string name)
    {
        var condition = api.Get(FakeResourceType.KafkaTriggers, "default", name)?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == "Ready");
        return ((string?)condition?["status"], (string?)condition?["reason"], (string?)condition?["message"]);
    }
}
