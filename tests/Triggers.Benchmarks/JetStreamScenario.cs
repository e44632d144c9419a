using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Nats.Embedded;

namespace Triggers.Benchmarks;

/// <summary>
/// The <c>jetstream</c> scenario: the worker on a JetStream trigger against the bare JetStream pull
/// bridge, in turns. One work-queue stream in memory, one subject per side; each side has a durable
/// pull consumer with explicit acks, 64 in flight, and acks after the function's answer.
/// </summary>
internal static class JetStreamScenario
{
    private const string Stream = "BENCH";

    public static async Task<IReadOnlyList<Row>> RunAsync(int n, int rounds)
    {
        await using var nats = await NatsServerProcess.StartAsync(CancellationToken.None);
        await using var function = await BenchFunction.StartAsync();
        await using (var connection = new NatsConnection(new NatsOpts { Url = nats.Url }))
        {
            // Work-queue retention: an acked message leaves the stream, so memory stays flat over the rounds.
            await new NatsJSContext(connection).CreateStreamAsync(new StreamConfig(Stream, ["bench.js.>"])
            {
                Storage = StreamConfigStorage.Memory,
                Retention = StreamConfigRetention.Workqueue,
            });
        }

        using var manifests = Manifests.Nats(function.Url, "bench.js.worker", maxInFlight: Load.Concurrency, extraSpec: $"  jetStream: {{stream: {Stream}}}\n");
        await using var worker = await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(manifests.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60));
        await using var bare = await WorkerProcess.StartBareAsync("bare-jetstream", [nats.Url, Stream, "bench.js.bare", function.Url.ToString()], TimeSpan.FromSeconds(60));
        return await Interleaved.RunAsync("jetstream", nats.Url, nats.ProcessId, function, Load.Payload(), n, rounds,
            [new Contender("bare", bare, "bench.js.bare"), new Contender("triggers", worker, "bench.js.worker")]);
    }
}
