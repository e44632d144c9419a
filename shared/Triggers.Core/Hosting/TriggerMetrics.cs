using System.Diagnostics;
using System.Diagnostics.Metrics;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Core.Hosting;

/// <summary>The per-trigger, per-function metric set every worker reports (meter <c>Triggers</c>).</summary>
public sealed class TriggerMetrics : IDisposable
{
    public const string MeterName = "Triggers";

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _dropped;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Histogram<double> _latency;

    public TriggerMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _received = _meter.CreateCounter<long>("triggers.events.received", "{event}", "Events received from the source, per trigger and function.");
        _delivered = _meter.CreateCounter<long>("triggers.events.delivered", "{event}", "Events a function answered with 2xx.");
        _retried = _meter.CreateCounter<long>("triggers.events.retried", "{attempt}", "Extra delivery attempts after a retryable failure.");
        _deadLettered = _meter.CreateCounter<long>("triggers.events.dead_lettered", "{event}", "Events sent to a dead-letter subject or topic.");
        _failed = _meter.CreateCounter<long>("triggers.events.failed", "{event}", "Dispatches that ended without delivery (before dead-lettering or redelivery).");
        _dropped = _meter.CreateCounter<long>("triggers.events.skipped", "{event}", "Events neither delivered nor dead-lettered (poison with no dead-letter target), with the reason.");
        _inFlight = _meter.CreateUpDownCounter<long>("triggers.events.in_flight", "{event}", "POSTs in progress.");
        _latency = _meter.CreateHistogram<double>("triggers.dispatch.duration", "s", "Time from the first attempt to the final answer of a dispatch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
    }

    /// <summary>The meter, for worker-specific instruments (lag, cron lateness).</summary>
    public Meter Meter => _meter;

    public static TagList Tags(string kind, string trigger, string function) =>
        new() { { "kind", kind }, { "trigger", trigger }, { "function", function } };

    /// <summary>The tags of every worker: <c>kind</c>, <c>trigger</c> and <c>function</c>, both as <c>namespace/name</c>.</summary>
    public static TagList Tags(string kind, ResourceKey trigger, FunctionEndpoint function)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Tags(kind, trigger.ToString(), $"{function.Namespace}/{function.Name}");
    }

    public void Received(in TagList tags) => _received.Add(1, tags);

    public void Delivered(in TagList tags) => _delivered.Add(1, tags);

    public void Retried(in TagList tags, long attempts) => _retried.Add(attempts, tags);

    public void DeadLettered(in TagList tags) => _deadLettered.Add(1, tags);

    public void Failed(in TagList tags) => _failed.Add(1, tags);

    public void Skipped(in TagList tags) => _dropped.Add(1, tags);

    public void InFlight(in TagList tags, long delta) => _inFlight.Add(delta, tags);

    public void Duration(in TagList tags, TimeSpan elapsed) => _latency.Record(elapsed.TotalSeconds, tags);

    public void Dispose() => _meter.Dispose();
}
