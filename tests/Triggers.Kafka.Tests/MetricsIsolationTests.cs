using Confluent.Kafka;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary>
/// Two workers in one process (as in triggers-dev): each one's /metrics reports its own triggers
/// only, and keeps reporting them after the other worker stops. OpenTelemetry listens to every meter
/// of a name in the process, so without the worker's own-meters view the first worker reported the
/// second's consumer lag, and once it stopped the second worker's Triggers metrics were gone.
/// </summary>
public sealed class MetricsIsolationTests
{
    [Fact]
    public async Task Each_In_Process_Worker_Reports_Only_Its_Own_Triggers_Also_After_The_Other_Stops()
    {
        await using var first = await Scenario.StartAsync("iso-a-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        await using var second = await Scenario.StartAsync("iso-b-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        first.WriteManifests(extraSpec: "");
        second.WriteManifests(extraSpec: "");
        var firstWorker = await InProcessWorker.StartAsync(first.Settings());
        await using var secondWorker = await InProcessWorker.StartAsync(second.Settings());
        try
        {
            await DeliverOneAsync(first);
            await DeliverOneAsync(second);
            await Eventually.WaitUntilAsync(async () => ReportsLagOf(await firstWorker.MetricsAsync(), first.Topic), "the first worker reports its topic's lag");
            await Eventually.WaitUntilAsync(async () => ReportsLagOf(await secondWorker.MetricsAsync(), second.Topic), "the second worker reports its topic's lag");

            Assert.False(ReportsLagOf(await firstWorker.MetricsAsync(), second.Topic), "the first worker's /metrics must not report the second worker's trigger");
            Assert.False(ReportsLagOf(await secondWorker.MetricsAsync(), first.Topic), "the second worker's /metrics must not report the first worker's trigger");
        }
        finally
        {
            await firstWorker.DisposeAsync();
        }

        // A record after the first worker stopped: the second still counts and reports it.
        await DeliverOneAsync(second);
        await Eventually.WaitUntilAsync(async () => ReportsLagOf(await secondWorker.MetricsAsync(), second.Topic), "the second worker still reports its topic's lag after the first stopped");
        Assert.Contains("triggers_events_delivered", await secondWorker.MetricsAsync(), StringComparison.Ordinal);
    }

    private static async Task DeliverOneAsync(Scenario scenario)
    {
        var before = scenario.Function.Count;
        using var producer = scenario.Cluster.CreateProducer();
        await Eventually.WaitUntilAsync(async () =>
        {
            await producer.ProduceAsync(new TopicPartition(scenario.Topic, 0), new Message<byte[], byte[]> { Key = "k"u8.ToArray(), Value = "{}"u8.ToArray() });
            return scenario.Function.Count > before;
        }, $"a record on {scenario.Topic} reaches its function");
    }

    private static bool ReportsLagOf(string metrics, string topic) =>
        metrics.Split('\n').Any(l => l.StartsWith("triggers_kafka_consumer_lag{", StringComparison.Ordinal) && l.Contains($"topic=\"{topic}\"", StringComparison.Ordinal));
}
