using System.Diagnostics;
using System.Globalization;
using NATS.Client.Core;
using Triggers.Nats.Embedded;

namespace Triggers.Benchmarks;

/// <summary><c>triggers-scale</c> (many triggers and functions) and <c>cron-scale</c> (many second-granular schedules).</summary>
internal static class ScaleScenarios
{
    public static async Task<IReadOnlyList<Row>> TriggersAsync(int n)
    {
        await using var nats = await NatsServerProcess.StartAsync(CancellationToken.None);
        await using var function = await BenchFunction.StartAsync();
        using var manifests = Manifests.Create(y =>
        {
            for (var i = 0; i < n; i++)
            {
                y.Append(CultureInfo.InvariantCulture, $"""
                    apiVersion: kubeless.io/v1beta1
                    kind: Function
                    metadata:
                      name: fn-{i}
                      labels: {"{"}function: fn-{i}{"}"}
                      annotations: {"{"}triggers/endpoint: "{function.Url}"{"}"}
                    ---
                    apiVersion: kubeless.io/v1beta1
                    kind: NATSTrigger
                    metadata:
                      name: trigger-{i}
                    spec:
                      topic: scale.{i}
                      functionSelector: {"{"}matchLabels: {"{"}function: fn-{i}{"}"}{"}"}
                    ---

                    """);
            }
        });

        var started = Stopwatch.GetTimestamp();
        await using var worker = await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(manifests.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromMinutes(5));
        var ready = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var rss = worker.PeakRssMb;

        function.Reset();
        await using var connection = new NatsConnection(new NatsOpts { Url = nats.Url });
        await connection.ConnectAsync();
        const int probes = 1000;
        for (var i = 0; i < probes; i++)
        {
            await connection.PublishAsync($"scale.{n / 2}", Load.Payload(), headers: new NatsHeaders { [BenchFunction.SentHeader] = Load.Stamp() });
            await function.WaitForAsync(i + 1, TimeSpan.FromSeconds(30));
        }

        return [new Row("triggers-scale", $"{n} triggers x {n} functions", probes, double.NaN, function.Latency.Percentile(50) / 1000, function.Latency.Percentile(99) / 1000, rss, worker.CpuSeconds,
            string.Create(CultureInfo.InvariantCulture, $"ready in {ready:0.00} s (process start included); latency = one message at a time to trigger-{n / 2}"))];
    }

    public static async Task<IReadOnlyList<Row>> CronAsync(int n)
    {
        await using var function = await BenchFunction.StartAsync();
        // Every trigger fires every 10 seconds, spread over the seconds: n / 10 fires per second.
        using var manifests = Manifests.Create(y =>
        {
            y.Append(CultureInfo.InvariantCulture, $"""
                apiVersion: kubeless.io/v1beta1
                kind: Function
                metadata:
                  name: bench
                  annotations: {"{"}triggers/endpoint: "{function.Url}"{"}"}
                ---

                """);
            for (var i = 0; i < n; i++)
            {
                y.Append(CultureInfo.InvariantCulture, $"""
                    apiVersion: kubeless.io/v1beta1
                    kind: CronJobTrigger
                    metadata:
                      name: cron-{i}
                    spec:
                      function-name: bench
                      schedule: "{i % 10}/10 * * * * *"
                    ---

                    """);
            }
        });
        var state = Path.Combine(manifests.Path, ".state.json");
        await using var worker = await WorkerProcess.StartAsync("Triggers.Cron", [.. Manifests.Args(manifests.Path), $"--Triggers:StatePath={state}"], TimeSpan.FromMinutes(5));
        // Measure the sustained rate: let one whole period pass first (every schedule has fired once,
        // so its first-fire costs - a new connection, its status entry and metric series, JIT - are
        // behind it), plus the first partial second, then measure whole seconds.
        var warmUp = TimeSpan.FromSeconds(12);
        await Task.Delay(warmUp);
        function.Reset();
        var cpuBefore = worker.CpuSeconds;
        using var trace = worker.StartTrace("cron-scale", 15);
        var window = TimeSpan.FromSeconds(30);
        await Task.Delay(window);
        var fires = function.Count;
        var cpuInWindow = worker.CpuSeconds - cpuBefore;
        if (trace is not null)
        {
            await trace.WaitForExitAsync();
        }

        return [new Row("cron-scale", $"{n} schedules every 10 s", (int)fires, fires / window.TotalSeconds, function.Lateness.Percentile(50) / 1000, function.Lateness.Percentile(99) / 1000, worker.PeakRssMb, worker.CpuSeconds,
            $"expected {n / 10.0:0} fires/s after {warmUp.TotalSeconds:0} s warm-up, worker CPU {cpuInWindow:0.0} s in the window; p50/p99 columns are lateness (receipt - scheduled)")];
    }
}
