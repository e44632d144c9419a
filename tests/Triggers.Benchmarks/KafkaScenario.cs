using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Triggers.Kafka.Embedded;

namespace Triggers.Benchmarks;

/// <summary>
/// The <c>kafka</c> scenario: records pre-produced over 8 partitions, consumed in interleaved rounds
/// by the bare bridge (<see cref="BareKafkaBridge"/>) and by the worker in each ordering mode, each a
/// process of its own with a fresh consumer group, 64 POSTs in flight (partition order: one per partition).
/// Each run is measured after a warm-up share of the records; CPU per event is read from /proc over that window.
/// </summary>
internal static class KafkaScenario
{
    private const int Partitions = 8;
    private const string Topic = "bench";
    private const string CallCountingDelay = "DOTNET_TC_CallCountingDelayMs";

    /// <summary>Records beyond the last measured one, for a warm-up that ends a little past its limit.</summary>
    private const int Overshoot = 20_000;

    /// <summary>
    /// A baseline build of the Kafka worker (<see cref="Benchmarks.Baseline"/>): each round then also runs
    /// it (kind <c>baseline</c>) right after the current build in every ordering.
    /// </summary>
    private static readonly string? BaselineDll = Benchmarks.Baseline.DllOf("Triggers.Kafka");

    /// <summary>
    /// The modes of one round, in the order they run: each worker mode beside the bare bridge it is
    /// held against; with <see cref="ContractHeaders.Variable"/>=1 also the bare bridge sending the
    /// worker's headers (kind <c>contract</c>), and with a baseline build its turns.
    /// </summary>
    private static readonly (string Kind, string Ordering)[] Modes =
    [
        ("bare", "unordered"), .. Contract("unordered"), ("triggers", "unordered"), .. Baseline("unordered"), ("triggers", "key"), .. Baseline("key"),
        ("bare", "partition"), .. Contract("partition"), ("triggers", "partition"), .. Baseline("partition"),
    ];

    private static (string, string)[] Contract(string ordering) => ContractHeaders.Enabled ? [(ContractHeaders.Kind, ordering)] : [];

    private static (string, string)[] Baseline(string ordering) => BaselineDll is null ? [] : [("baseline", ordering)];

    public static async Task<IReadOnlyList<Row>> RunAsync(int n, int rounds)
    {
        var payload = Load.Payload();
        var (warm, spare) = MockTopicCapacity.Plan(n, Overshoot, Partitions, payload.Length);
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        await using var function = await BenchFunction.StartAsync();
        var rows = new List<Row> { await Load.DirectAsync("kafka", function, n, payload) };

        // One topic for every run (each run reads it whole with its own group): warm-up records, then the
        // measured ones. The warm-up is long because a worker's hot path is still being tiered up by
        // the JIT for the first ~15,000 records on this machine (perf showed tier-0 code and the JIT's
        // background thread inside a shorter window), and the bare bridge, with far fewer methods, tiers sooner.
        // After those, a run goes on warming up until the JIT's tiering thread is quiet (at most
        // `spare` records more): under load, tiering lagged behind the warm-up records and took 20-28%
        // of the worker's CPU inside the measured window (perf), against 1% of the bare bridge's.
        // Both are cut to what the mock cluster keeps of one topic (MockTopicCapacity, above).
        cluster.CreateTopic(Topic, partitions: Partitions);
        await ProduceAsync(cluster.BootstrapServers, Topic, warm + spare + n + Overshoot, payload);
        MockTopicCapacity.EnsureNothingDropped(cluster.BootstrapServers, Topic, Partitions);

        var runs = Modes.ToDictionary(m => m, _ => new List<Run>());

        // Steady state sooner, for both sides alike: the JIT starts counting calls for tier-up at once
        // instead of after 100 ms without new tier-0 code (children inherit this; this process does not).
        var callCountingDelay = Environment.GetEnvironmentVariable(CallCountingDelay);
        Environment.SetEnvironmentVariable(CallCountingDelay, "0");
        try
        {
            for (var round = 1; round <= rounds; round++)
            {
                foreach (var mode in Modes)
                {
                    var run = await RunOnceAsync(mode.Kind, mode.Ordering, round, cluster.BootstrapServers, function, warm, spare, n);
                    runs[mode].Add(run);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round} {mode.Kind,-8} {mode.Ordering,-9} {run.Rate,8:0} msgs/s  CPU {run.CpuUsPerEvent,5:0} us/event (JIT {run.JitUsPerEvent:0.0})  warm-up {run.WarmUp,6}  load {Load1():0.0}"));
                }
            }
        }
        finally
        {
            Environment.SetEnvironmentVariable(CallCountingDelay, callCountingDelay);
        }

        var bare = Interleaved.Median(runs[("bare", "unordered")].Select(r => r.Rate));
        var bound = Interleaved.Median(runs[("bare", "partition")].Select(r => r.Rate));
        foreach (var mode in Modes)
        {
            var list = runs[mode];
            var rate = Interleaved.Median(list.Select(r => r.Rate));
            var versus = mode switch
            {
                ("bare", "unordered") => "",
                ("bare", "partition") => $"the partition-order bound ({Partitions} partitions x 1 in flight); {rate / bare:0.00} x bare unordered; ",
                (_, "partition") => $"{rate / bound:0.00} x its bound (bare, 1 in flight per partition); ",
                _ => $"{rate / bare:0.00} x bare; ",
            };
            if (mode.Kind is "triggers" or "baseline" && runs.TryGetValue((ContractHeaders.Kind, mode.Ordering == "key" ? "unordered" : mode.Ordering), out var contract))
            {
                versus += $"{rate / Interleaved.Median(contract.Select(r => r.Rate)):0.00} x bare with the contract headers; ";
            }

            var cpu = Interleaved.Median(list.Select(r => r.CpuUsPerEvent));
            rows.Add(new Row("kafka", $"{mode.Kind} ({mode.Ordering})", n, rate, double.NaN, double.NaN, list.Max(r => r.PeakRssMb), Interleaved.Median(list.Select(r => r.CpuSeconds)),
                string.Create(CultureInfo.InvariantCulture,
                    $"{versus}CPU {cpu:0} us/event; median of {list.Count}: {string.Join(" / ", list.Select(r => r.Rate.ToString("0", CultureInfo.InvariantCulture)))} msgs/s, {string.Join(" / ", list.Select(r => r.CpuUsPerEvent.ToString("0", CultureInfo.InvariantCulture)))} us")));
        }

        return rows;
    }

    private static async Task<Run> RunOnceAsync(string kind, string ordering, int round, string bootstrap, BenchFunction function, int warm, int spare, int n)
    {
        function.Reset();
        var name = $"bench-{kind}-{ordering}-{round}";
        using var manifests = kind is "bare" or ContractHeaders.Kind ? null : Manifests.Create(y => y.Append(Manifests.BenchFunction(function.Url)).Append(CultureInfo.InvariantCulture, $$$"""
            apiVersion: kubeless.io/v1beta1
            kind: KafkaTrigger
            metadata:
              name: {{{name}}}
            spec:
              topic: {{{Topic}}}
              ordering: {{{ordering}}}
              maxInFlight: {{{Load.Concurrency}}}
              initialOffset: earliest
              functionSelector: {matchLabels: {function: bench}}

            """));
        await using var worker = manifests is null ? null : await WorkerProcess.StartAsync("Triggers.Kafka", [.. Manifests.Args(manifests.Path), $"--Kafka:BootstrapServers={bootstrap}"], TimeSpan.FromMinutes(3), kind == "baseline" ? BaselineDll : null);
        await using var bare = manifests is null ? await WorkerProcess.StartBareAsync(BareKafkaBridge.Command, [bootstrap, Topic, name, function.Url.ToString(), ordering, kind], TimeSpan.FromSeconds(60)) : null;
        var process = worker ?? bare!;

        await WaitForAsync(function, warm, name);
        var from = await WaitForTieringAsync(process, function, warm + spare);
        var (started, cpuBefore, jitBefore) = (Stopwatch.GetTimestamp(), process.CpuSeconds, process.JitCpuSeconds);
        using var trace = worker?.StartTrace($"kafka-{ordering}-{round}", 5) ?? Perf(process.Id, name);
        await WaitForAsync(function, from + n, name);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var (cpu, jit) = (process.CpuSeconds - cpuBefore, Math.Max(0, process.JitCpuSeconds - jitBefore));
        if (trace is not null)
        {
            await trace.WaitForExitAsync();
        }

        return new Run(n / seconds, cpu * 1e6 / n, cpu, worker?.PeakRssMb ?? double.NaN, jit * 1e6 / n, from);
    }

    /// <summary>
    /// Waits until the process's tiering thread used less than 1% of a core in each of two half-second
    /// windows (or the function received <paramref name="limit"/> requests); returns the requests
    /// received by then, where the measured window starts.
    /// </summary>
    private static async Task<long> WaitForTieringAsync(WorkerProcess process, BenchFunction function, long limit)
    {
        var (quiet, jit, since) = (0, process.JitCpuSeconds, Stopwatch.GetTimestamp());
        while (quiet < 2 && function.Count < limit)
        {
            await Task.Delay(20);
            if (Stopwatch.GetElapsedTime(since) >= TimeSpan.FromMilliseconds(500))
            {
                var now = process.JitCpuSeconds;
                quiet = now - jit < 0.005 ? quiet + 1 : 0;
                (jit, since) = (now, Stopwatch.GetTimestamp());
            }
        }

        return function.Count;
    }

    /// <summary>
    /// When <c>BENCH_PERF</c> names a folder, samples the consumer process (worker or bare bridge) with
    /// Linux perf for 5 seconds; run with <c>BENCH_WORKER_ENV="DOTNET_PerfMapEnabled=1;DOTNET_EnableWriteXorExecute=0"</c>
    /// so that perf can name JIT-compiled methods. When <c>BENCH_PERF_STAT</c> names a folder instead,
    /// counts the process's CPU time and context switches per thread over the same 5 seconds (<c>perf stat --per-thread</c>).
    /// </summary>
    private static Process? Perf(int pid, string name)
    {
        if (Environment.GetEnvironmentVariable("BENCH_PERF_STAT") is { Length: > 0 } stats)
        {
            Directory.CreateDirectory(stats);
            return BackgroundTool.Start("perf", ["stat", "--per-thread", "-e", "context-switches,task-clock", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(stats, name + ".txt"), "--", "sleep", "5"]);
        }

        if (Environment.GetEnvironmentVariable("BENCH_PERF") is not { Length: > 0 } folder)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        return BackgroundTool.Start("perf", ["record", "-F", "999", "-g", "-p", pid.ToString(CultureInfo.InvariantCulture), "-o", Path.Combine(folder, name + ".perf"), "--", "sleep", "5"]);
    }

    private static double Load1() => double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Produces <paramref name="n"/> records and returns once the broker acknowledged every one.</summary>
    private static async Task ProduceAsync(string bootstrap, string topic, int n, byte[] payload)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, BatchNumMessages = 10_000, Acks = Acks.Leader }).Build();
        var failed = 0;
        void Delivered(DeliveryReport<string, byte[]> report)
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref failed);
            }
        }

        for (var i = 0; i < n; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string, byte[]> { Key = $"key-{i % 1000}", Value = payload }, Delivered);
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        // Flush returns with records still queued when it times out: those would be lost with the producer.
        var deadline = Stopwatch.GetTimestamp() + (5 * 60 * Stopwatch.Frequency);
        while (producer.Flush(TimeSpan.FromSeconds(10)) > 0)
        {
            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"records to {topic} not acknowledged within 5 minutes");
            }
        }

        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} of {n} records to {topic} failed");
        }

        await Task.CompletedTask;
    }

    /// <summary>Waits until the function received <paramref name="count"/> requests; fails once a minute passed without one.</summary>
    private static async Task WaitForAsync(BenchFunction function, long count, string what)
    {
        var (seen, since) = (function.Count, Stopwatch.GetTimestamp());
        while (function.Count < count)
        {
            if (function.Count != seen)
            {
                (seen, since) = (function.Count, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(since) > TimeSpan.FromMinutes(1))
            {
                throw new TimeoutException($"{what}: the function received {seen} of {count} and nothing for a minute");
            }

            await Task.Delay(10);
        }
    }

    private sealed record Run(double Rate, double CpuUsPerEvent, double CpuSeconds, double PeakRssMb, double JitUsPerEvent, long WarmUp);
}
