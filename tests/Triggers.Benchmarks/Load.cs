using System.Diagnostics;
using System.Globalization;

namespace Triggers.Benchmarks;

/// <summary>Load generators shared by the scenarios.</summary>
internal static class Load
{
    public const int Concurrency = 64;

    /// <summary>
    /// Requests the direct client sends before its measured run: the load generator runs with dynamic
    /// PGO, and its ceiling kept rising for tens of thousands of requests (18,900 msgs/s on a first
    /// kafka run, 27,000 on a second in the same process).
    /// </summary>
    public const int DirectWarmUp = 100_000;

    /// <summary>Messages the worker gets before its measured run: the same as the direct client.</summary>
    public const int WarmUp = DirectWarmUp;

    public static byte[] Payload(int size = 256)
    {
        var head = "{\"CorrelationId\":\"5f0c3f7e-2a9b-4c4e-9d1e-000000000000\",\"Subject\":\"events.todo.newitem\",\"Item\":{\"ToDoId\":1,\"Item\":\"";
        var tail = "\",\"DateAdded\":\"2026-11-27T00:00:00Z\"}}";
        return System.Text.Encoding.UTF8.GetBytes(head + new string('x', Math.Max(0, size - head.Length - tail.Length)) + tail);
    }

    public static string Stamp() => Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);

    /// <summary>The HTTP ceiling: <paramref name="n"/> POSTs over <see cref="Concurrency"/> pooled connections, as fast as they go.</summary>
    public static async Task<Row> DirectAsync(string scenario, BenchFunction function, int n, byte[] payload)
    {
        using var http = Client();

        // Warm-up, not measured: JIT tiering and connection setup of the client and the function,
        // which the worker gets the same of before its measured run.
        var warm = -1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref warm) < DirectWarmUp)
            {
                await PostAsync(http, function.Url, payload);
            }
        }));

        function.Reset();
        var self = Process.GetCurrentProcess();
        var cpu = self.TotalProcessorTime;
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < n)
            {
                await PostAsync(http, function.Url, payload);
            }
        }));
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        self.Refresh();
        var cpuPerMessage = (self.TotalProcessorTime - cpu).TotalMicroseconds / n;
        return new Row(scenario, "direct (HTTP ceiling)", n, n / seconds, function.Latency.Percentile(50) / 1000, function.Latency.Percentile(99) / 1000,
            Note: $"{Concurrency} concurrent, after {DirectWarmUp} warm-up requests; CPU {cpuPerMessage:0} us/msg (client + function)");
    }

    /// <summary>Open-loop load at a fixed rate straight to the function, for latency at part load.</summary>
    public static async Task<Row> DirectPacedAsync(string scenario, BenchFunction function, double rate, TimeSpan duration, byte[] payload)
    {
        function.Reset();
        using var http = Client();
        var pending = new List<Task>();
        var sent = await PaceAsync(rate, duration, () => pending.Add(PostAsync(http, function.Url, payload)));
        await Task.WhenAll(pending);
        return new Row(scenario, $"direct @ {rate:0}/s", sent, rate, function.Latency.Percentile(50) / 1000, function.Latency.Percentile(99) / 1000);
    }

    /// <summary>Calls <paramref name="send"/> at <paramref name="rate"/> per second for <paramref name="duration"/>; returns how many were sent.</summary>
    public static async Task<int> PaceAsync(double rate, TimeSpan duration, Action send)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = 0;
        while (true)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            if (elapsed >= duration)
            {
                return sent;
            }

            var due = (int)(elapsed.TotalSeconds * rate);
            while (sent < due)
            {
                send();
                sent++;
            }

            await Task.Delay(1);
        }
    }

    public static HttpClient Client() => new(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, PooledConnectionLifetime = TimeSpan.FromMinutes(10) });

    private static async Task PostAsync(HttpClient http, Uri url, byte[] payload)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(payload) };
        request.Headers.TryAddWithoutValidation(BenchFunction.SentHeader, Stamp());
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }
}
