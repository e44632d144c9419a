using System.Globalization;

namespace Triggers.Benchmarks;

/// <summary>
/// The request headers the worker sends with every event (the Kubeless <c>event-*</c> headers,
/// CloudEvents binary mode and its User-Agent), written the simplest way, for the bare bridges'
/// <c>contract</c> variant: the bare bridge plus the contract, so a run shows how much of the gap to
/// the worker is the bytes every event must carry (their sending, and the function's parsing of
/// them) rather than the worker's own work.
/// </summary>
internal static class ContractHeaders
{
    /// <summary>Set on the benchmark program: the kafka and nats-bare scenarios add the bare bridge with the contract beside the bare one.</summary>
    public const string Variable = "BENCH_BARE_CONTRACT";

    /// <summary>The name of that side in the results, and the argument that turns the headers on in a bare bridge's command line.</summary>
    public const string Kind = "contract";

    public static bool Enabled => Environment.GetEnvironmentVariable(Variable) == "1";

    public static void Add(HttpRequestMessage request, string topic, string kind)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        var id = Convert.ToHexStringLower(bytes);
        var time = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var headers = request.Headers;
        headers.TryAddWithoutValidation("event-id", id);
        headers.TryAddWithoutValidation("event-time", time);
        headers.TryAddWithoutValidation("event-type", "application/json");
        headers.TryAddWithoutValidation("event-namespace", $"{kind}trigger.kubeless.io");
        headers.TryAddWithoutValidation("event-topic", topic);
        headers.TryAddWithoutValidation("ce-specversion", "1.0");
        headers.TryAddWithoutValidation("ce-id", id);
        headers.TryAddWithoutValidation("ce-source", $"/apis/kubeless.io/v1beta1/namespaces/default/{kind}triggers/bench/topics/{topic}");
        headers.TryAddWithoutValidation("ce-type", $"io.kubeless.{kind}.record");
        headers.TryAddWithoutValidation("ce-time", time);
        headers.TryAddWithoutValidation("ce-subject", topic);
        headers.TryAddWithoutValidation("User-Agent", "triggers/1.0");
    }
}
