using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary>Broker outages and rebalances: the worker rides them out and loses nothing.</summary>
public sealed class ResilienceTests
{
    [Fact]
    public async Task Rides_Out_All_Brokers_Down_And_Up_With_Readyz_Reflecting_It_And_Loses_Nothing()
    {
        await using var scenario = await Scenario.StartAsync("outage-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests();
        // A slow function keeps records in flight when the brokers go away.
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromMilliseconds(2)));
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await Eventually.WaitUntilAsync(async () => (await worker.ReadyzAsync()).Ready, "the worker is ready");
        await scenario.ProduceAsync(1000);
        await scenario.Function.WaitForRequestsAsync(100);

        scenario.Cluster.SetAllBrokersDown();
        await Eventually.WaitUntilAsync(async () => !(await worker.ReadyzAsync()).Ready, "/readyz reports the outage", TimeSpan.FromSeconds(30));
        var (_, body) = await worker.ReadyzAsync();
        Assert.Contains("cannot reach Kafka", body, StringComparison.Ordinal);

        scenario.Cluster.SetAllBrokersUp();
        await Eventually.WaitUntilAsync(async () => (await worker.ReadyzAsync()).Ready, "/readyz recovers", TimeSpan.FromSeconds(30));
        await scenario.ProduceAsync(1000, startAt: 1000);

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 2000,
            "all 2000 records (before, during and after the outage) are delivered", TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task Second_Worker_Joining_And_First_Leaving_Mid_Stream_Loses_Nothing()
    {
        await using var scenario = await Scenario.StartAsync("rebalance-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests();
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromMilliseconds(1)));
        var first = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(3000);
        await scenario.Function.WaitForRequestsAsync(300, TimeSpan.FromSeconds(60));

        await using var second = await InProcessWorker.StartAsync(scenario.Settings());

        // The second worker's own deliveries since it started (the first worker delivers the same trigger).
        // Records keep coming until it delivers: the first worker alone may finish the 3000 before the rebalance.
        using var secondMeter = new WorkerMeterReader(second.Services);
        var produced = 3000;
        await Eventually.WaitUntilAsync(
            async () =>
            {
                if (secondMeter.Sum("triggers.events.delivered") > 0)
                {
                    return true;
                }

                await scenario.ProduceAsync(100, startAt: produced);
                produced += 100;
                return false;
            },
            "the second worker got partitions and delivers",
            TimeSpan.FromSeconds(60));

        // The first worker leaves gracefully: revoke, in-flight work settles, offsets committed.
        await first.DisposeAsync();

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= produced,
            "every record produced is delivered across the rebalances", TimeSpan.FromSeconds(90));
        Assert.Equal(produced, scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count());
    }

    [Fact]
    public async Task Survives_Injected_Fetch_And_Commit_Errors_Without_Loss()
    {
        await using var scenario = await Scenario.StartAsync("faults-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests();
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(400);
        await scenario.Function.WaitForRequestsAsync(50);

        // Kafka API keys: 1 = Fetch, 8 = OffsetCommit. Retriable errors the client must absorb.
        scenario.Cluster.PushRequestErrors(1, Confluent.Kafka.ErrorCode.NotLeaderForPartition, Confluent.Kafka.ErrorCode.RequestTimedOut, Confluent.Kafka.ErrorCode.NotLeaderForPartition);
        scenario.Cluster.PushRequestErrors(8, Confluent.Kafka.ErrorCode.RequestTimedOut, Confluent.Kafka.ErrorCode.GroupLoadInProgress, Confluent.Kafka.ErrorCode.RequestTimedOut);
        await scenario.ProduceAsync(400, startAt: 400);

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 800,
            "all 800 records are delivered despite the injected errors", TimeSpan.FromSeconds(60));
        await Eventually.WaitUntilAsync(
            () => scenario.Cluster.CommittedOffsets(scenario.GroupId, scenario.Topic, 4).Values.All(o => o == 200),
            "the committed offsets reach the end of every partition (200)", TimeSpan.FromSeconds(30));
    }
}
