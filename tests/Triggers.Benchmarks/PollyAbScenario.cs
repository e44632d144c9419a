using System.Globalization;
using Triggers.Nats.Embedded;

namespace Triggers.Benchmarks;

/// <summary>
/// The <c>polly-ab</c> scenario: the NATS worker with DeliveryHandler (A) against the same worker with
/// a Polly.Core pipeline (B, tests/Triggers.Benchmarks.PollyWorker), in alternating runs A, B, A, B, ...
/// under the same load (core NATS, 256-byte JSON, a function answering 200). Both workers stay up, each
/// on its own subject; each measured window follows a warm-up of the same worker. The figure that
/// decides is the worker's CPU per event, read from /proc inside the window.
/// </summary>
internal static class PollyAbScenario
{
    /// <summary>Messages each worker gets once, before the first pair: JIT tiering and connection pools.</summary>
    private const int FirstWarmUp = 50_000;

    public static async Task<IReadOnlyList<Row>> RunAsync(int n, int pairs)
    {
        await using var nats = await NatsServerProcess.StartAsync(CancellationToken.None);
        await using var function = await BenchFunction.StartAsync();
        var payload = Load.Payload();
        using var manifestsA = Manifests.Nats(function.Url, "bench.ab.delivery", maxInFlight: Load.Concurrency);
        using var manifestsB = Manifests.Nats(function.Url, "bench.ab.polly", maxInFlight: Load.Concurrency);
        await using var a = await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(manifestsA.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60));
        await using var b = await WorkerProcess.StartAsync("Triggers.Benchmarks.PollyWorker", [.. Manifests.Args(manifestsB.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60));
        (string Name, string Subject, WorkerProcess Worker)[] sides = [("DeliveryHandler", "bench.ab.delivery", a), ("Polly.Core", "bench.ab.polly", b)];
        foreach (var side in sides)
        {
            await NatsScenarios.PublishAndWaitAsync(nats.Url, side.Subject, function, FirstWarmUp, payload, rate: null);
        }

        var rows = new List<Row>();
        var cpu = new List<double>[] { [], [] };
        var rates = new List<double>[] { [], [] };
        for (var pair = 1; pair <= pairs; pair++)
        {
            for (var s = 0; s < sides.Length; s++)
            {
                var (name, subject, worker) = sides[s];

                // A short warm-up of this worker right before its window: its pools and caches are hot
                // again after the other worker's run.
                await NatsScenarios.PublishAndWaitAsync(nats.Url, subject, function, Math.Max(1, n / 5), payload, rate: null);
                var before = worker.CpuSeconds;
                var run = await NatsScenarios.PublishAndWaitAsync(nats.Url, subject, function, n, payload, rate: null);
                var perEvent = (worker.CpuSeconds - before) * 1e6 / n;
                cpu[s].Add(perEvent);
                rates[s].Add(run.Rate);
                var row = new Row("polly-ab", $"pair {pair}: {name}", n, run.Rate, run.P50, run.P99, worker.PeakRssMb, worker.CpuSeconds,
                    string.Create(CultureInfo.InvariantCulture, $"worker CPU {perEvent:0.0} us/event; load {LoadAverage()}"));
                rows.Add(row);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Mode}: {run.Rate:0} msgs/s, {row.Note}"));
            }
        }

        var (medianA, medianB) = (Median(cpu[0]), Median(cpu[1]));
        var pairRatios = cpu[0].Zip(cpu[1], (x, y) => y / x).ToList();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"median worker CPU us/event: DeliveryHandler {medianA:0.0}, Polly.Core {medianB:0.0}: Polly.Core {(medianB / medianA) - 1:+0.0%;-0.0%}; median of the {pairs} pair ratios {Median(pairRatios) - 1:+0.0%;-0.0%}; median msgs/s {Median(rates[0]):0} against {Median(rates[1]):0}");
        Console.WriteLine("pairs (worker CPU us/event, DeliveryHandler / Polly.Core):");
        for (var i = 0; i < pairs; i++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {i + 1}: {cpu[0][i]:0.0} / {cpu[1][i]:0.0}  ({pairRatios[i] - 1:+0.0%;-0.0%})"));
        }

        Console.WriteLine(summary);
        rows.Add(new Row("polly-ab", "medians", n * pairs, double.NaN, double.NaN, double.NaN, Note: summary));
        return rows;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The 1-minute load average, printed beside every run (the machine may be shared).</summary>
    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
