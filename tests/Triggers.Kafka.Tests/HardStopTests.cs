using System.Collections.Concurrent;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;
using Xunit.Abstractions;

namespace Triggers.Kafka.Tests;

/// <summary>A worker process killed mid-stream (SIGKILL) and started again.</summary>
public sealed class HardStopTests(ITestOutputHelper output)
{
    private const int Window = 50;
    private const int Partitions = 4;

    [Fact]
    public async Task Killed_Worker_Restarted_Loses_Nothing_And_Duplicates_Stay_Within_The_Uncommitted_Window()
    {
        await using var scenario = await Scenario.StartAsync("hardstop-" + Guid.NewGuid().ToString("N")[..8], partitions: Partitions);
        scenario.WriteManifests();
        var delivered = new ConcurrentQueue<string>();
        scenario.Function.Respond(r =>
        {
            delivered.Enqueue(r.BodyText);
            return new FunctionReply(Delay: TimeSpan.FromMilliseconds(1));
        });
        var settings = scenario.Settings();
        settings["Kafka:MaxUncommittedPerPartition"] = Window.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await scenario.ProduceAsync(4000);

        using (var first = ChildWorker.Start(settings))
        {
            await Eventually.WaitUntilAsync(() => delivered.Count >= 1000 || first.HasExited, "the first worker process delivers a quarter of the stream", TimeSpan.FromSeconds(60));
            Assert.False(first.HasExited, first.Tail);
            first.KillHard();
        }

        var beforeRestart = delivered.Distinct().Count();
        Assert.InRange(beforeRestart, 1000, 3999);
        using var second = ChildWorker.Start(settings);
        await Eventually.WaitUntilAsync(() => delivered.Distinct().Count() >= 4000 || second.HasExited, "the restarted worker delivers the rest", TimeSpan.FromSeconds(90));
        Assert.False(second.HasExited, second.Tail);

        // Zero lost; a record is delivered again only if its offset was not yet committed, and no
        // record starts beyond the window of Kafka:MaxUncommittedPerPartition uncommitted records
        // per partition, so at most Window x Partitions records come twice.
        var all = delivered.ToList();
        Assert.Equal(4000, all.Distinct().Count());
        var duplicates = all.Count - 4000;
        output.WriteLine($"delivered before the kill: {beforeRestart}; duplicates after restart: {duplicates} (bound {Window * Partitions})");
        Assert.InRange(duplicates, 0, Window * Partitions);
    }
}
