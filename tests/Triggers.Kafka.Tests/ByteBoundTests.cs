using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Xunit.Abstractions;

namespace Triggers.Kafka.Tests;

/// <summary>
/// A consumer at its byte bound (<c>Kafka:MaxBufferedBytesPerConsumer</c>) takes no record from
/// librdkafka instead of pausing partitions, and still serves the group and its memory bound while it waits.
/// </summary>
public sealed class ByteBoundTests(ITestOutputHelper output)
{
    private const int RecordSize = 4096;
    private const int Limit = 64 * 1024;

    [Fact]
    public async Task A_Consumer_Held_At_Its_Byte_Bound_By_A_Slow_Function_Stays_Within_It()
    {
        // 80 records of 4 KiB (320 KiB) behind a 64 KiB bound; 300 ms per record, so the consumer
        // holds for longer than its poll interval again and again: each poll it cannot put off may
        // take one record, which pauses that record's partition until there is room.
        await using var scenario = await Scenario.StartAsync("held-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        scenario.WriteManifests();
        scenario.Function.DelayEach(TimeSpan.FromMilliseconds(300));
        await scenario.ProduceAsync(80, size: RecordSize);
        await using var worker = await InProcessWorker.StartAsync(Settings(scenario));

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 80, "all 80 records are delivered", TimeSpan.FromSeconds(90));

        var runner = Assert.Single(worker.Services.GetRequiredService<KafkaSubscriptionSet>().Runners);
        output.WriteLine($"peak bytes held: {runner.PeakBufferedBytes} (limit {Limit}, records {RecordSize} bytes), partitions paused {runner.Pauses} times");
        Assert.InRange(runner.PeakBufferedBytes, Limit - RecordSize, Limit + (3 * RecordSize));
    }

    [Fact]
    public async Task A_Consumer_Held_At_Its_Byte_Bound_Still_Gives_A_Partition_Up_To_A_New_Member_And_Stays_In_The_Group()
    {
        await using var scenario = await Scenario.StartAsync("revoke-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        scenario.WriteManifests();
        // 3 s per record, one in flight per partition: the consumer is held nearly all the time, and a POST in
        // flight on the revoked partition ends within the grace period (an abandoned POST would count in the
        // triggers.kafka.abandoned counter that other in-process workers' tests read).
        scenario.Function.DelayEach(TimeSpan.FromSeconds(3));
        await scenario.ProduceAsync(60, size: RecordSize);
        var settings = Settings(scenario);
        settings["Kafka:RevokeGracePeriod"] = "00:00:10";
        await using var worker = await InProcessWorker.StartAsync(settings);
        var set = worker.Services.GetRequiredService<KafkaSubscriptionSet>();
        await Eventually.WaitUntilAsync(() => set.Runners.Count == 1 && set.Runners[0].BufferedBytes >= Limit, "the worker holds its byte bound", TimeSpan.FromSeconds(60));

        var runner = set.Runners[0];

        // A second member joins the group: the held worker must serve the rebalance (give one partition up).
        using var member = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = scenario.Cluster.BootstrapServers,
            GroupId = scenario.GroupId,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        member.Subscribe(scenario.Topic);
        await Eventually.WaitUntilAsync(
            () =>
            {
                member.Consume(TimeSpan.FromMilliseconds(100));
                return member.Assignment.Count > 0;
            },
            "the held worker gives a partition up to the new member",
            TimeSpan.FromSeconds(90));
        await Eventually.WaitUntilAsync(
            () =>
            {
                member.Consume(TimeSpan.FromMilliseconds(100));
                return member.Assignment.Count == 1 && runner.Lag.Count == 1;
            },
            "the held worker stays in the group with the other partition",
            TimeSpan.FromSeconds(60));

        // A record settles every 3 s per partition, so the partitions become stuck (a second without a settle) one
        // after the other; while one is stuck and the other is not, the stuck one counts only its share, so the
        // consumer may hold up to twice its bound.
        output.WriteLine($"bytes held: {runner.BufferedBytes}, peak {runner.PeakBufferedBytes} (limit {Limit})");
        Assert.InRange(runner.PeakBufferedBytes, Limit, (2 * Limit) + (3 * RecordSize));
        Assert.InRange(runner.BufferedBytes, 1, Limit + (3 * RecordSize));
        member.Close();
    }

    private static Dictionary<string, string> Settings(Scenario scenario)
    {
        var settings = scenario.Settings();
        settings["Kafka:MaxBufferedBytesPerConsumer"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Kafka:RevokeGracePeriod"] = "00:00:01";
        return settings;
    }
}
