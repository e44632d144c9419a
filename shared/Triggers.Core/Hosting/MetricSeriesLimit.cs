using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Triggers.Core.Hosting;

/// <summary>
/// <c>Triggers:Metrics:CardinalityLimit</c>, the series each Triggers metric keeps, and the warning
/// when a metric reaches it: OpenTelemetry merges every series past the limit into one labelled
/// <c>otel_metric_overflow="true"</c> and says so nowhere, so the gauges that see all their series
/// at once (triggers, Kafka partitions) report what they counted here.
/// </summary>
public sealed partial class MetricSeriesLimit(IOptions<TriggersOptions> options, ILogger<MetricSeriesLimit> logger)
{
    private readonly ConcurrentDictionary<string, bool> _warned = new(StringComparer.Ordinal);

    /// <summary>The configured limit (validated at start).</summary>
    public int Limit => options.Value.Metrics.CardinalityLimit;

    /// <summary>
    /// The limit as configured, read before the options are validated: the metric streams are set
    /// up while the host is built. A value the validator will refuse at start gives the default here.
    /// </summary>
    public static int Configured(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return int.TryParse(configuration[$"{TriggersOptions.Section}:Metrics:{nameof(MetricsOptions.CardinalityLimit)}"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var limit)
            && limit is >= TriggersOptionsValidator.MinCardinalityLimit and <= TriggersOptionsValidator.MaxCardinalityLimit
            ? limit
            : MetricsOptions.DefaultCardinalityLimit;
    }

    /// <summary>
    /// <paramref name="instrument"/> reported <paramref name="series"/> series in one collection;
    /// at or past the limit it is logged once per instrument while the worker runs.
    /// </summary>
    public void Observed(string instrument, int series)
    {
        var limit = Limit;
        if (series >= limit && _warned.TryAdd(instrument, true))
        {
            LogLimitReached(logger, instrument, series, limit);
        }
    }

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Metric {Instrument} reports {Series} series, at or past Triggers:Metrics:CardinalityLimit ({Limit}): series past the limit are merged into one labelled otel_metric_overflow=\"true\" until the worker restarts, and per-trigger metrics with as many triggers go the same way. Raise Triggers:Metrics:CardinalityLimit (each series is reserved at start, about 100 bytes per metric) or spread the triggers over workers (Triggers:TriggerSelector)")]
    private static partial void LogLimitReached(ILogger logger, string instrument, int series, int limit);
}
