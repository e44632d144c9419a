using Triggers.Kafka.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Triggers.Kafka.Tests;

/// <summary>End-to-end delivery through the real worker, the real dispatcher, librdkafka's mock cluster and a real HTTP function.</summary>
public sealed class DeliveryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Delivers_10000_Records_Over_4_Partitions_In_Produce_Order_Per_Partition()
    {
        await using var scenario = await Scenario.StartAsync("orders-" + Guid.NewGuid().ToString("N")[..8], partitions: 4);
        scenario.WriteManifests("initialOffset: earliest\nordering: partition\nmaxInFlight: 4");
        await using var worker = await InProcessWorker.StartAsync(scenario.Settings());
        await scenario.ProduceAsync(10_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        await scenario.Function.WaitForRequestsAsync(10_000, TimeSpan.FromSeconds(120));
        output.WriteLine($"10,000 records delivered in {clock.Elapsed.TotalSeconds:0.0} s ({10_000 / clock.Elapsed.TotalSeconds:0} records/s, partition mode, 4 partitions)");

        var requests = scenario.Function.Requests;
        var bodies = requests.Select(r => r.BodyText).ToList();
        Assert.Equal(10_000, bodies.Distinct().Count());
        for (var partition = 0; partition < 4; partition++)
        {
            var seen = requests.Where(r => r.Header("kafka-partition") == partition.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Select(r => int.Parse(r.BodyText.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture))
                .ToList();
            Assert.Equal(2500, seen.Count);
            Assert.Equal(Enumerable.Range(0, 2500), seen);
        }

        // Partition mode: at most one POST per partition at a time.
        Assert.InRange(scenario.Function.MaxConcurrent, 1, 4);
    }
}
