using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Hosting;

namespace Triggers.Testing;

/// <summary>
/// Sums the counters of one in-process worker, from when it is made: a <see cref="MeterListener"/> on
/// that worker's own <see cref="TriggerMetrics.Meter"/> instance. It gives what a worker added during
/// one step of a test (<c>/metrics</c> gives cumulative totals only), also where two workers in one
/// process serve the same trigger name.
/// </summary>
public sealed class WorkerMeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, long Value, KeyValuePair<string, object?>[] Tags)> _measurements = new();

    public WorkerMeterReader(IServiceProvider workerServices)
    {
        var meter = workerServices.GetRequiredService<TriggerMetrics>().Meter;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, meter))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => _measurements.Enqueue((instrument.Name, value, tags.ToArray())));
        _listener.Start();
    }

    /// <summary>
    /// The sum of what the worker added to counter <paramref name="instrument"/> (e.g. <c>triggers.events.delivered</c>)
    /// since this reader was made, counting only measurements that carry every one of <paramref name="tags"/>.
    /// </summary>
    public long Sum(string instrument, params (string Key, string Value)[] tags) =>
        _measurements
            .Where(m => m.Instrument == instrument && tags.All(t => m.Tags.Any(mt => mt.Key == t.Key && Equals(mt.Value?.ToString(), t.Value))))
            .Sum(m => m.Value);

    public void Dispose() => _listener.Dispose();
}
