using NATS.Client.Core;

namespace Triggers.Benchmarks;

/// <summary>
/// What the bare bridges share: the line a child prints once it is subscribed, and one POST per
/// message with the body and the latency stamp (no retries, no metrics; contract headers only in the
/// <c>contract</c> variant).
/// </summary>
internal static class BareBridge
{
    public const string Ready = "bare-bridge-ready";

    /// <summary>One POST; with <paramref name="contractSubject"/>, plus the worker's request headers for that subject.</summary>
    public static async Task PostAsync(HttpClient http, Uri function, byte[]? body, NatsHeaders? headers, string? contractSubject = null)
    {
        var content = new ByteArrayContent(body ?? []);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, function) { Content = content };
        if (headers is not null && headers.TryGetValue(BenchFunction.SentHeader, out var sent))
        {
            request.Headers.TryAddWithoutValidation(BenchFunction.SentHeader, sent.ToString());
        }

        if (contractSubject is not null)
        {
            ContractHeaders.Add(request, contractSubject, "nats");
        }

        SimulatedWork.Spin();
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A POST that failed is told on stderr, never silently; the run then misses that message and times out.</summary>
    public static void Report(Exception e) => Console.Error.WriteLine($"bare bridge: {e.GetType().Name}: {e.Message}");
}
