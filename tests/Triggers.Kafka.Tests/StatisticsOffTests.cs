using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary><c>Kafka:StatisticsInterval=00:00:00</c> (the small-memory setting): delivery and <c>/readyz</c> work without librdkafka statistics.</summary>
public sealed class StatisticsOffTests
{
    [Fact]
    public async Task Without_Statistics_Readyz_Follows_An_Outage_And_Recovers_With_No_Record_Flowing()
    {
        await using var scenario = await Scenario.StartAsync("nostats-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests();
        var settings = scenario.Settings();
        settings["Kafka:StatisticsInterval"] = "00:00:00";
        await using var worker = await InProcessWorker.StartAsync(settings);
        await Eventually.WaitUntilAsync(async () => (await worker.ReadyzAsync()).Ready, "the worker is ready", TimeSpan.FromSeconds(30));
        await scenario.ProduceAsync(100);
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 100, "100 records are delivered", TimeSpan.FromSeconds(30));

        scenario.Cluster.SetAllBrokersDown();
        await Eventually.WaitUntilAsync(async () => !(await worker.ReadyzAsync()).Ready, "/readyz reports the outage", TimeSpan.FromSeconds(30));

        // Nothing is produced after the outage: only the metadata probe can see the brokers back.
        scenario.Cluster.SetAllBrokersUp();
        await Eventually.WaitUntilAsync(async () => (await worker.ReadyzAsync()).Ready, "/readyz recovers without a record", TimeSpan.FromSeconds(30));
        var lagLines = (await worker.MetricsAsync()).Split('\n').Where(l => l.StartsWith("triggers_kafka_consumer_lag{", StringComparison.Ordinal));
        Assert.DoesNotContain(lagLines, l => l.Contains(scenario.GroupId, StringComparison.Ordinal));
    }
}
