using System.Diagnostics;
using NATS.Client.Core;
using Triggers.Nats.Embedded;

namespace Triggers.Benchmarks;

/// <summary>The <c>nats</c> and <c>nats-slow</c> scenarios: direct vs naive bridge vs bare bridge vs the NATS worker.</summary>
internal static class NatsScenarios
{
    /// <summary>
    /// <c>nats</c>: direct, naive, then the bare bridge and the worker in turns, then latency at half
    /// the direct rate. <c>nats-bare</c> (<paramref name="baselines"/> false): the turns alone.
    /// </summary>
    public static async Task<IReadOnlyList<Row>> ThroughputAsync(int n, int rounds, bool baselines)
    {
        var rows = new List<Row>();
        await using var nats = await NatsServerProcess.StartAsync(CancellationToken.None);
        await using var function = await BenchFunction.StartAsync();
        var payload = Load.Payload();

        var direct = baselines ? await Load.DirectAsync("nats", function, n, payload) : null;
        if (direct is not null)
        {
            rows.Add(direct);
            rows.Add(await NaiveAsync("nats", nats.Url, function, Math.Min(n, 5_000), payload));
        }

        using var manifests = Manifests.Nats(function.Url, "bench.triggers", maxInFlight: Load.Concurrency);
        await using (var worker = await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(manifests.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60)))
        {
            await using (var bare = await WorkerProcess.StartBareAsync("bare-core", [nats.Url, "bench.bare", function.Url.ToString()], TimeSpan.FromSeconds(60)))
            {
                // Where the CPU goes per message, by process: on a machine where every process shares
                // the same cores, throughput is bounded by the sum (docs/benchmarks.md).
                // A baseline build (BENCH_BASELINE) takes its turns too, between the bare bridge and this one.
                using var baseManifests = Manifests.Nats(function.Url, "bench.base", maxInFlight: Load.Concurrency);
                await using var baseline = Baseline.DllOf("Triggers.Nats") is { } baselineDll
                    ? await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(baseManifests.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60), baselineDll)
                    : null;
                // BENCH_BARE_CONTRACT=1: the bare bridge sending the worker's headers takes its turns too.
                await using var contract = ContractHeaders.Enabled
                    ? await WorkerProcess.StartBareAsync("bare-core", [nats.Url, "bench.contract", function.Url.ToString(), ContractHeaders.Kind], TimeSpan.FromSeconds(60))
                    : null;
                var versus = await Interleaved.RunAsync("nats", nats.Url, nats.ProcessId, function, payload, n, rounds,
                    [
                        new Contender("bare", bare, "bench.bare"),
                        .. contract is null ? Array.Empty<Contender>() : [new Contender(ContractHeaders.Kind, contract, "bench.contract")],
                        .. baseline is null ? Array.Empty<Contender>() : [new Contender("baseline", baseline, "bench.base")],
                        new Contender("triggers", worker, "bench.triggers"),
                    ]);
                rows.AddRange(versus);
                if (direct is null)
                {
                    return rows;
                }

                var full = versus.Single(r => r.Mode.StartsWith("triggers (median", StringComparison.Ordinal));
                rows.Add(new Row("nats", "triggers / direct", n, double.NaN, double.NaN, double.NaN, Note: $"{full.MessagesPerSecond / direct.MessagesPerSecond:0.00} x direct"));
            }

            var half = direct.MessagesPerSecond / 2;
            var directHalf = await Load.DirectPacedAsync("nats", function, half, TimeSpan.FromSeconds(5), payload);
            rows.Add(directHalf);
            var paced = await PublishAndWaitAsync(nats.Url, "bench.triggers", function, (int)(half * 5), payload, rate: half);
            rows.Add(new Row("nats", $"triggers @ {half:0}/s", (int)(half * 5), half, paced.P50, paced.P99, worker.PeakRssMb, worker.CpuSeconds,
                $"added p99 {paced.P99 - directHalf.P99Ms:0.00} ms"));
        }

        return rows;
    }

    public static async Task<IReadOnlyList<Row>> SlowFunctionAsync(int n)
    {
        var rows = new List<Row>();
        await using var nats = await NatsServerProcess.StartAsync(CancellationToken.None);
        await using var function = await BenchFunction.StartAsync();
        function.Delay = TimeSpan.FromMilliseconds(5);
        var payload = Load.Payload();

        var naive = await NaiveAsync("nats-slow", nats.Url, function, Math.Min(n, 1_000), payload);
        rows.Add(naive);
        using var manifests = Manifests.Nats(function.Url, "bench.slow", maxInFlight: Load.Concurrency);
        await using var worker = await WorkerProcess.StartAsync("Triggers.Nats", [.. Manifests.Args(manifests.Path), $"--Nats:Url={nats.Url}"], TimeSpan.FromSeconds(60));
        var result = await PublishAndWaitAsync(nats.Url, "bench.slow", function, n, payload, rate: null);
        rows.Add(new Row("nats-slow", $"triggers (maxInFlight {Load.Concurrency})", n, result.Rate, result.P50, result.P99, worker.PeakRssMb, worker.CpuSeconds,
            $"{result.Rate / naive.MessagesPerSecond:0.0} x naive"));
        return rows;
    }

    /// <summary>What the Kubeless controller did: one message at a time, a new HTTP client (and TCP connection) per message.</summary>
    private static async Task<Row> NaiveAsync(string scenario, string url, BenchFunction function, int n, byte[] payload)
    {
        function.Reset();
        await using var connection = new NatsConnection(new NatsOpts { Url = url, SubPendingChannelCapacity = 1_000_000 });
        await connection.ConnectAsync();
        using var cts = new CancellationTokenSource();
        var failed = 0;
        var subscription = Task.Run(async () =>
        {
            await foreach (var message in connection.SubscribeAsync<byte[]>("bench.naive", cancellationToken: cts.Token))
            {
                try
                {
                    using var http = new HttpClient();
                    using var request = new HttpRequestMessage(HttpMethod.Post, function.Url) { Content = new ByteArrayContent(message.Data ?? []) };
                    request.Headers.TryAddWithoutValidation(BenchFunction.SentHeader, message.Headers?[BenchFunction.SentHeader].ToString());
                    request.Headers.ConnectionClose = true;
                    using var response = await http.SendAsync(request, cts.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cts.IsCancellationRequested)
                {
                    // As Kubeless did: log-and-drop. Counted so the run ends instead of waiting for it.
                    Interlocked.Increment(ref failed);
                }
            }
        });
        await connection.PingAsync();
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < n; i++)
        {
            await connection.PublishAsync("bench.naive", payload, headers: new NatsHeaders { [BenchFunction.SentHeader] = Load.Stamp() });
        }

        var deadline = Stopwatch.GetTimestamp() + (10 * 60 * Stopwatch.Frequency);
        while (function.Count + Volatile.Read(ref failed) < n)
        {
            if (subscription.IsFaulted || Stopwatch.GetTimestamp() > deadline)
            {
                throw new InvalidOperationException($"naive bridge stopped: the function received {function.Count} of {n}, {failed} failed", subscription.Exception);
            }

            await Task.Delay(10);
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        await cts.CancelAsync();
        try
        {
            await subscription;
        }
        catch (OperationCanceledException)
        {
        }

        return new Row(scenario, "naive (Kubeless-like)", n, n / seconds, function.Latency.Percentile(50) / 1000, function.Latency.Percentile(99) / 1000, Note: failed == 0 ? "1 at a time, new connection each" : $"1 at a time, new connection each; {failed} dropped on connection errors");
    }

    private const int PublishWindow = 20_000;

    internal static async Task<(double Rate, double P50, double P99)> PublishAndWaitAsync(string url, string subject, BenchFunction function, int n, byte[] payload, double? rate)
    {
        function.Reset();
        await using var connection = new NatsConnection(new NatsOpts { Url = url, ConnectTimeout = TimeSpan.FromSeconds(30) });
        await connection.ConnectAsync();
        var started = Stopwatch.GetTimestamp();
        if (rate is { } r)
        {
            var pending = new List<Task>();
            await Load.PaceAsync(r, TimeSpan.FromSeconds(n / r), () => pending.Add(connection.PublishAsync(subject, payload, headers: new NatsHeaders { [BenchFunction.SentHeader] = Load.Stamp() }).AsTask()));
            await Task.WhenAll(pending);
            n = pending.Count;
        }
        else
        {
            for (var i = 0; i < n; i++)
            {
                // Full load, yet never more than a window ahead of the function: a bridge starved of
                // CPU by the machine's other load must not drop (core NATS is at-most-once) and end
                // the run; 20,000 messages in flight keep every bridge busy.
                while (i - function.Count >= PublishWindow)
                {
                    await Task.Delay(1);
                }

                await connection.PublishAsync(subject, payload, headers: new NatsHeaders { [BenchFunction.SentHeader] = Load.Stamp() });
            }
        }

        await function.WaitForAsync(n, TimeSpan.FromSeconds(60));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return (n / seconds, function.Latency.Percentile(50) / 1000, function.Latency.Percentile(99) / 1000);
    }
}
