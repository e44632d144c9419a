using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Triggers.Benchmarks;

/// <summary>
/// The function under every mode: answers 200 after an optional delay and measures latency from the
/// <c>bench-sent</c> header (a Stopwatch timestamp; Stopwatch is CLOCK_MONOTONIC, shared by processes).
/// </summary>
internal sealed class BenchFunction : IAsyncDisposable
{
    public const string SentHeader = "bench-sent";

    private readonly WebApplication _app;
    private long _count;
    private long _firstTicks;
    private long _lastTicks;

    private BenchFunction(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    public TimeSpan Delay { get; set; }

    public Samples Latency { get; private set; } = new();

    /// <summary>Cron lateness: receipt time minus the <c>triggers-scheduled-time</c> header, in microseconds.</summary>
    public Samples Lateness { get; private set; } = new();

    public long Count => Interlocked.Read(ref _count);

    /// <summary>Seconds between the first and the last request received since <see cref="Reset"/>.</summary>
    public double Span => Stopwatch.GetElapsedTime(Interlocked.Read(ref _firstTicks), Interlocked.Read(ref _lastTicks)).TotalSeconds;

    public static async Task<BenchFunction> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var function = new BenchFunction(app);
        app.Run(function.HandleAsync);
        await app.StartAsync();
        function.Url = new Uri(app.Urls.First() + "/");
        return function;
    }

    public void Reset()
    {
        Latency = new Samples();
        Lateness = new Samples();
        Interlocked.Exchange(ref _count, 0);
        Interlocked.Exchange(ref _firstTicks, 0);
        Interlocked.Exchange(ref _lastTicks, 0);
    }

    /// <summary>Waits until <paramref name="count"/> requests arrived; fails once none arrived for <paramref name="stall"/> (something was lost).</summary>
    public async Task WaitForAsync(long count, TimeSpan stall)
    {
        var (seen, since) = (Count, Stopwatch.GetTimestamp());
        while (Count < count)
        {
            if (Count != seen)
            {
                (seen, since) = (Count, Stopwatch.GetTimestamp());
            }
            else if (Stopwatch.GetElapsedTime(since) > stall)
            {
                throw new TimeoutException($"function received {Count} of {count}, none in the last {stall}");
            }

            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        var now = Stopwatch.GetTimestamp();
        Interlocked.CompareExchange(ref _firstTicks, now, 0);
        await context.Request.Body.CopyToAsync(Stream.Null);
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay);
        }

        if (long.TryParse(context.Request.Headers[SentHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var sent) && sent > 0)
        {
            Latency.Add(Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds);
        }

        if (DateTimeOffset.TryParse(context.Request.Headers["triggers-scheduled-time"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var scheduled))
        {
            Lateness.Add((DateTimeOffset.UtcNow - scheduled).TotalMicroseconds);
        }

        context.Response.StatusCode = 200;
        Interlocked.Exchange(ref _lastTicks, Stopwatch.GetTimestamp());
        Interlocked.Increment(ref _count);
    }
}
