namespace Triggers.Core;

/// <summary>Settings of the metrics every worker serves (<c>Triggers:Metrics</c>).</summary>
public sealed class MetricsOptions
{
    /// <summary>Default <see cref="CardinalityLimit"/>.</summary>
    public const int DefaultCardinalityLimit = 10_000;

    /// <summary>
    /// Series one Triggers metric keeps (OpenTelemetry's cardinality limit, 2,000 when not set):
    /// one per (trigger, function) on most metrics, one per partition on the Kafka lag. Series past
    /// it are merged into one labelled <c>otel_metric_overflow="true"</c>. Each series of the limit
    /// is reserved when the worker starts, about 100 bytes per metric.
    /// </summary>
    public int CardinalityLimit { get; set; } = DefaultCardinalityLimit;
}
