using System.Globalization;

namespace Triggers.Nats.Tests.Support;

/// <summary>
/// Reads counters from a worker's Prometheus <c>/metrics</c> endpoint: that worker's own series
/// only, also with other workers in the process (MetricsIsolationTests in the Kafka tests).
/// </summary>
internal static class Metrics
{
    /// <summary>Sums every sample of a metric family whose labels mention <paramref name="labelFragment"/>.</summary>
    public static async Task<long> SumAsync(TestWorker worker, string family, string labelFragment)
    {
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };
        var text = await http.GetStringAsync(new Uri("metrics", UriKind.Relative));
        long total = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(family, StringComparison.Ordinal) && line.Contains(labelFragment, StringComparison.Ordinal))
            {
                // "name{labels} value [timestamp]"
                var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
                total += (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
