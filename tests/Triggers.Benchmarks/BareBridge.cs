using NATS.Client.Core;

namespace Triggers.Benchmarks;

/// <summary>
/// What the bare bridges share: the line a child prints once it is subscribed, and one POST per
/// message with the body and the latency stamp (no contract headers, no retries, no metrics).
/// </summary>
internal static class BareBridge
{
    public const string Ready = "bare-bridge-ready";

    public static async Task PostAsync(HttpClient http, Uri function, byte[]? body, NatsHeaders? headers)
    {
        var content = new ByteArrayContent(body ?? []);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, function) { Content = content };
        if (headers is not null && headers.TryGetValue(BenchFunction.SentHeader, out var sent))
        {
            request.Headers.TryAddWithoutValidation(BenchFunction.SentHeader, sent.ToString());
        }

        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A POST that failed is told on stderr, never silently; the run then misses that message and times out.</summary>
    public static void Report(Exception e) => Console.Error.WriteLine($"bare bridge: {e.GetType().Name}: {e.Message}");
}
