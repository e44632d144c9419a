using System.Collections.Concurrent;
using System.Globalization;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary>A failing function: retries keep records, and only the failing key waits.</summary>
public sealed class RetryTests
{
    [Fact]
    public async Task Failing_Key_Is_Redelivered_Until_Recovery_Without_Holding_Up_Other_Keys_Or_Partitions()
    {
        await using var scenario = await Scenario.StartAsync("retry-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests("initialOffset: earliest\nordering: key\nmaxInFlight: 8");
        var failing = true;
        var delivered = new ConcurrentQueue<(string Key, string Body)>();
        var badAttempts = 0;
        scenario.Function.Respond(r =>
        {
            var key = r.Header("kafka-key") ?? "";
            if (key == "bad" && Volatile.Read(ref failing))
            {
                Interlocked.Increment(ref badAttempts);
                return new FunctionReply(503);
            }

            delivered.Enqueue((key, r.BodyText));
            return FunctionReply.Ok;
        });
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());

        // Partition 0 carries the failing key every 10th record, between records of healthy keys.
        const int Count = 2000;
        await scenario.ProduceAsync(Count, key: i => i % 4 == 0 && (i / 4) % 10 == 0 ? "bad" : "k" + (i % 16).ToString(CultureInfo.InvariantCulture));
        const int Bad = 50;

        // The outage lasts until everything else got through (rather than a fixed 10 s): that is
        // the point to prove, and it cannot pass by timing luck.
        await Eventually.WaitUntilAsync(() => delivered.Select(d => d.Body).Distinct().Count() >= Count - Bad,
            "every record of the healthy keys (all partitions, including the failing key's partition) is delivered while the bad key fails", TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(delivered, d => d.Key == "bad");
        await Eventually.WaitUntilAsync(() => Volatile.Read(ref badAttempts) >= 10, "the bad key was retried several times");

        Volatile.Write(ref failing, false);
        await Eventually.WaitUntilAsync(() => delivered.Select(d => d.Body).Distinct().Count() >= Count,
            "the bad key's records are delivered after recovery", TimeSpan.FromSeconds(60));

        // Zero lost, and every key (the bad one included) in produce order.
        var all = delivered.ToList();
        Assert.Equal(Count, all.Select(d => d.Body).Distinct().Count());
        foreach (var byKey in all.GroupBy(d => d.Key))
        {
            var seqs = byKey.Select(d => d.Body).Distinct().Select(b => int.Parse(b.Split(':')[1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(seqs.Order(), seqs);
        }
    }

    [Fact]
    public async Task Partition_Mode_Keeps_Order_Across_A_503_Outage_And_Loses_Nothing()
    {
        await using var scenario = await Scenario.StartAsync("outage-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests("initialOffset: earliest");
        var failing = true;
        var delivered = new ConcurrentQueue<RecordedRequest>();
        scenario.Function.Respond(r =>
        {
            if (Volatile.Read(ref failing))
            {
                return new FunctionReply(503);
            }

            delivered.Enqueue(r);
            return FunctionReply.Ok;
        });
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(400);

        // Every partition's head record was refused more than the dispatcher's 3 attempts: the worker is redelivering.
        await scenario.Function.WaitForRequestsAsync(4 * 3 * 2, TimeSpan.FromSeconds(30));
        Volatile.Write(ref failing, false);

        await Eventually.WaitUntilAsync(() => delivered.Select(r => r.BodyText).Distinct().Count() >= 400, "all 400 records are delivered after the outage", TimeSpan.FromSeconds(60));
        foreach (var partition in delivered.GroupBy(r => r.Header("kafka-partition")))
        {
            var seqs = partition.Select(r => int.Parse(r.BodyText.Split(':')[1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(0, 100), seqs);
        }
    }
}
