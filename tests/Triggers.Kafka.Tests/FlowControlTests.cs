using Microsoft.Extensions.DependencyInjection;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Xunit.Abstractions;

namespace Triggers.Kafka.Tests;

/// <summary>Bounded memory and concurrency under lag, and trigger changes applied to a running worker.</summary>
public sealed class FlowControlTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_Lagging_Partition_Holds_At_Most_MaxBufferedPerPartition_Records()
    {
        await using var scenario = await Scenario.StartAsync("lag-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        scenario.WriteManifests();
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromMilliseconds(2)));
        var settings = scenario.Settings();
        settings["Kafka:MaxBufferedPerPartition"] = "20";
        await scenario.ProduceAsync(400);
        await using var worker = await InProcessWorker.StartAsync(settings);

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 400, "all 400 records are delivered", TimeSpan.FromSeconds(90));

        var runner = Assert.Single(worker.Services.GetRequiredService<KafkaSubscriptionSet>().Runners);
        output.WriteLine($"peak records held by one partition: {runner.PeakBufferedPerPartition} (limit 20)");
        Assert.InRange(runner.PeakBufferedPerPartition, 1, 20);
    }

    [Fact]
    public async Task Unordered_Mode_Runs_In_Parallel_Up_To_MaxInFlight()
    {
        await using var scenario = await Scenario.StartAsync("par-" + Guid.NewGuid().ToString("N")[..8], partitions: 1);
        scenario.WriteManifests("initialOffset: earliest\nordering: unordered\nmaxInFlight: 3");
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromMilliseconds(20)));
        await scenario.ProduceAsync(150);
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());

        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 150, "all 150 records are delivered", TimeSpan.FromSeconds(60));

        output.WriteLine($"max concurrent POSTs: {scenario.Function.MaxConcurrent}");
        Assert.Equal(3, scenario.Function.MaxConcurrent);
    }

    [Fact]
    public async Task Changing_The_Topic_Of_A_Running_Trigger_Moves_The_Consumer_Without_Restart()
    {
        await using var scenario = await Scenario.StartAsync("before-" + Guid.NewGuid().ToString("N")[..8], partitions: 1);
        var after = "after-" + Guid.NewGuid().ToString("N")[..8];
        scenario.Cluster.CreateTopic(after, 1);
        scenario.WriteManifests();
        await scenario.ProduceAsync(5);
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.Function.WaitForRequestsAsync(5);
        var set = worker.Services.GetRequiredService<KafkaSubscriptionSet>();

        File.WriteAllText(Path.Combine(scenario.ManifestsPath, "trigger.yaml"),
            Manifests.KafkaTrigger(scenario.TriggerName, scenario.FunctionName, after, extraSpec: "initialOffset: earliest"));
        await Eventually.WaitUntilAsync(() => set.Runners.Count == 1 && set.Runners[0].Plan.Topics.SequenceEqual([after]), "the running consumer now reads the new topic");

        using var producer = scenario.Cluster.CreateProducer();
        await producer.ProduceAsync(scenario.Topic, new() { Value = "old-topic"u8.ToArray() });
        await producer.ProduceAsync(after, new() { Value = "new-topic"u8.ToArray() });
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Any(r => r.BodyText == "new-topic"), "the record of the new topic is delivered");
        Assert.DoesNotContain(scenario.Function.Requests, r => r.BodyText == "old-topic");
        Assert.Equal(after, scenario.Function.Requests.Single(r => r.BodyText == "new-topic").Header("event-topic"));
    }

    [Fact]
    public async Task A_Consumer_Holds_At_Most_MaxBufferedBytesPerConsumer_Bytes()
    {
        const int RecordSize = 4096;
        const int Limit = 64 * 1024;
        await using var scenario = await Scenario.StartAsync("bytes-" + Guid.NewGuid().ToString("N")[..8], partitions: 2);
        scenario.WriteManifests();
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromMilliseconds(2)));
        var settings = scenario.Settings();
        settings["Kafka:MaxBufferedBytesPerConsumer"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using (var producer = scenario.Cluster.CreateProducer())
        {
            for (var i = 0; i < 300; i++)
            {
                var value = new byte[RecordSize];
                System.Text.Encoding.ASCII.GetBytes(Scenario.Body(i % 2, i / 2)).CopyTo(value, 0);
                producer.Produce(new Confluent.Kafka.TopicPartition(scenario.Topic, i % 2), new() { Value = value });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        await using var worker = await InProcessWorker.StartAsync(settings);
        await Eventually.WaitUntilAsync(() => scenario.Function.Requests.Select(r => r.BodyText).Distinct().Count() >= 300, "all 300 records are delivered", TimeSpan.FromSeconds(90));

        // Each partition is paused at its share (half the limit here); it may overshoot by the record that crossed it.
        var runner = Assert.Single(worker.Services.GetRequiredService<KafkaSubscriptionSet>().Runners);
        output.WriteLine($"peak bytes held by the consumer: {runner.PeakBufferedBytes} (limit {Limit}, records {RecordSize} bytes)");
        Assert.InRange(runner.PeakBufferedBytes, RecordSize, Limit + (2 * RecordSize));
    }

    [Fact]
    public async Task One_Triggers_Backlog_Never_Delays_Another_Triggers_Records()
    {
        await using var scenario = await Scenario.StartAsync("busy-" + Guid.NewGuid().ToString("N")[..8], partitions: 1);
        var quiet = "quiet-" + Guid.NewGuid().ToString("N")[..8];
        scenario.Cluster.CreateTopic(quiet, 1);
        scenario.WriteManifests("initialOffset: earliest\nmaxInFlight: 1");
        await using var quietFunction = await RecordingFunctionServer.StartAsync();
        File.WriteAllText(Path.Combine(scenario.ManifestsPath, "quiet-function.yaml"), Manifests.Function("fn-" + quiet, quietFunction.Url));
        File.WriteAllText(Path.Combine(scenario.ManifestsPath, "quiet-trigger.yaml"), Manifests.KafkaTrigger("trigger-" + quiet, "fn-" + quiet, quiet, extraSpec: "initialOffset: earliest"));

        // The busy trigger's function takes a second per record and has a backlog of 500.
        scenario.Function.Respond(_ => new FunctionReply(Delay: TimeSpan.FromSeconds(1)));
        await scenario.ProduceAsync(500);
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.Function.WaitForRequestsAsync(1, TimeSpan.FromSeconds(60));

        using (var producer = scenario.Cluster.CreateProducer())
        {
            for (var i = 0; i < 200; i++)
            {
                producer.Produce(quiet, new() { Value = System.Text.Encoding.UTF8.GetBytes("q" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)) });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        await Eventually.WaitUntilAsync(() => quietFunction.Requests.Select(r => r.BodyText).Distinct().Count() >= 200, "every record of the quiet trigger is delivered", TimeSpan.FromSeconds(60));
        var busyDone = scenario.Function.Count;
        output.WriteLine($"quiet trigger: 200 delivered while the busy one got through {busyDone} of 500");
        Assert.InRange(busyDone, 1, 100);
    }
}
