using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Triggers.Kafka.Embedded;

namespace Triggers.Benchmarks;

/// <summary>
/// <c>kafka-scale</c>: one worker with N KafkaTriggers on one 8-partition topic of a 3-broker mock
/// cluster, each trigger its own consumer group (one shared function: the cost measured is the
/// consumers'). Each trigger first delivers one probe record per partition; the worker then idles
/// for <see cref="Idle"/> (what consumers cost doing nothing), then a steady trickle flows for
/// <see cref="Trickle"/>. Run for 1, 200 and N triggers, so the cost per trigger is the slope. With
/// <c>BENCH_BASELINE</c> another build takes its turn after each size.
/// </summary>
internal static class KafkaScaleScenario
{
    private const int Partitions = 8;
    private const int Brokers = 3;
    private static readonly TimeSpan Trickle = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan TrickleEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs so far in this process: each gets a topic (and so consumer groups) of its own.</summary>
    private static int _runs;

    public static async Task<IReadOnlyList<Row>> RunAsync(int n)
    {
        using var cluster = KafkaMockCluster.Start(brokers: Brokers);
        await using var function = await BenchFunction.StartAsync();
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig { BootstrapServers = cluster.BootstrapServers, LingerMs = 1, Acks = Acks.Leader }).Build();
        var rows = new List<(int Triggers, Row Row)>();
        // BENCH_KAFKA_SCALE_SIZES="1000" runs only the given sizes (A/B runs of one size).
        var sizes = Environment.GetEnvironmentVariable("BENCH_KAFKA_SCALE_SIZES") is { Length: > 0 } list
            ? list.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))
            : new[] { 1, Math.Min(200, n), n }.Distinct();
        var baseline = Baseline.DllOf("Triggers.Kafka");
        var baselineRows = new List<Row>();
        foreach (var size in sizes)
        {
            rows.Add((size, await RunOnceAsync(size, cluster, function, producer, dll: null)));
            if (baseline is not null)
            {
                baselineRows.Add(await RunOnceAsync(size, cluster, function, producer, baseline));
            }
        }

        var first = rows[0];
        var last = rows[^1];
        if (rows.Count > 1 && first.Row.PeakRssMb is { } rss1 && last.Row.PeakRssMb is { } rssN && first.Triggers < last.Triggers)
        {
            var perTrigger = (rssN - rss1) / (last.Triggers - first.Triggers) * 1024;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"slope {first.Triggers} -> {last.Triggers} triggers: {perTrigger:0} KiB peak RSS per trigger"));
        }

        return [.. rows.Select(r => r.Row), .. baselineRows];
    }

    private static async Task<Row> RunOnceAsync(int n, KafkaMockCluster cluster, BenchFunction function, IProducer<Null, byte[]> producer, string? dll)
    {
        var side = dll is null ? "" : "baseline: ";
        // A topic (and so consumer groups) of its own for every run: a size may be run more than once.
        var topic = $"kafka-scale-{n}-{++_runs}";
        cluster.CreateTopic(topic, Partitions);
        var payload = Load.Payload();
        for (var p = 0; p < Partitions; p++)
        {
            producer.Produce(new TopicPartition(topic, p), new Message<Null, byte[]> { Value = payload });
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        function.Reset();
        using var manifests = Manifests.Create(y =>
        {
            y.Append(Manifests.BenchFunction(function.Url));
            for (var i = 0; i < n; i++)
            {
                y.Append(CultureInfo.InvariantCulture, $$$"""
                    apiVersion: kubeless.io/v1beta1
                    kind: KafkaTrigger
                    metadata:
                      name: trigger-{{{i}}}
                    spec:
                      topic: {{{topic}}}
                      initialOffset: earliest
                      functionSelector: {matchLabels: {function: bench}}
                    ---

                    """);
            }
        });

        var started = Stopwatch.GetTimestamp();
        await using var worker = await WorkerProcess.StartAsync("Triggers.Kafka", [.. Manifests.Args(manifests.Path), $"--Kafka:BootstrapServers={cluster.BootstrapServers}", .. ExtraArgs()], TimeSpan.FromMinutes(10), dll);
        var ready = Stopwatch.GetElapsedTime(started).TotalSeconds;
        using var sampler = new ThreadSampler(worker.Id);
        long expected = (long)n * Partitions;
        var probed = await WaitAsync(function, expected, started);

        // Idle: every consumer caught up, no record flowing; a measurement window, not a wait for a condition.
        var idleBefore = worker.CpuSeconds;
        await Task.Delay(Idle);
        var cpuIdle = worker.CpuSeconds - idleBefore;

        // The steady trickle: every consumer keeps fetching and settling records.
        var cpuBefore = worker.CpuSeconds;
        var trickleStart = Stopwatch.GetTimestamp();
        var sent = 0;
        while (Stopwatch.GetElapsedTime(trickleStart) < Trickle)
        {
            producer.Produce(new TopicPartition(topic, sent % Partitions), new Message<Null, byte[]> { Value = payload });
            sent++;
            await Task.Delay(TrickleEvery);
        }

        producer.Flush(TimeSpan.FromSeconds(30));
        expected += (long)n * sent;
        var drained = await WaitAsync(function, expected, started);
        var cpuTrickle = worker.CpuSeconds - cpuBefore;
        var rss = worker.PeakRssMb;
        return new Row("kafka-scale", $"{side}{n} triggers, 8 partitions, 3 brokers", (int)expected, double.NaN, double.NaN, double.NaN, rss, worker.CpuSeconds,
            string.Create(CultureInfo.InvariantCulture,
                $"ready {ready:0.0} s, all probes {probed} s, trickle drained {drained} s; threads {sampler.Peak} ({(sampler.Peak - 0.0) / n:0.0}/trigger); {rss * 1024 / n:0} KiB RSS/trigger; idle {cpuIdle:0.00} CPU s in {Idle.TotalSeconds:0} s; trickle {sent} records x {n}: {cpuTrickle:0.00} CPU s in {Trickle.TotalSeconds:0} s"));
    }

    /// <summary>Seconds since <paramref name="started"/> until the function got <paramref name="count"/> requests, or how many it got in 5 minutes.</summary>
    private static async Task<string> WaitAsync(BenchFunction function, long count, long started)
    {
        try
        {
            await function.WaitForAsync(count, TimeSpan.FromMinutes(5));
            return Stopwatch.GetElapsedTime(started).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        }
        catch (TimeoutException)
        {
            return string.Create(CultureInfo.InvariantCulture, $"NOT within 5 min ({function.Count} of {count} delivered)");
        }
    }

    /// <summary>Extra worker arguments for A/B runs of the knobs: <c>BENCH_WORKER_ARGS="--Kafka:StatisticsInterval=00:00:30 ..."</c>.</summary>
    private static string[] ExtraArgs() =>
        (Environment.GetEnvironmentVariable("BENCH_WORKER_ARGS") ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Samples the thread count of a process (/proc/PID/status <c>Threads</c>) and keeps the peak.</summary>
    private sealed class ThreadSampler : IDisposable
    {
        private readonly Timer _timer;
        private int _peak;

        public ThreadSampler(int pid)
        {
            _timer = new Timer(_ => Sample(pid), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(200));
        }

        public int Peak => Volatile.Read(ref _peak);

        public void Dispose() => _timer.Dispose();

        private void Sample(int pid)
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{pid}/status"))
                {
                    if (line.StartsWith("Threads:", StringComparison.Ordinal))
                    {
                        var threads = int.Parse(line.AsSpan(8).Trim(), CultureInfo.InvariantCulture);
                        if (threads > Volatile.Read(ref _peak))
                        {
                            Volatile.Write(ref _peak, threads);
                        }
                    }
                }
            }
            catch (IOException)
            {
            }
        }
    }
}
