using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Hosting;

namespace Triggers.Testing;

/// <summary>
/// Sums the counters of one in-process worker, from when it is made: a <see cref="MeterListener"/> on
/// that worker's own <see cref="TriggerMetrics.Meter"/> instance. A worker's <c>/metrics</c> cannot
/// tell workers apart: OpenTelemetry listens to every meter of its name in the process, so it also
/// reports the other in-process workers' measurements of the same trigger.
/// </summary>
public sealed class WorkerMeterReader : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _sums = new(StringComparer.Ordinal);

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
        _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
        _listener.Start();
    }

    /// <summary>The sum of what the worker added to counter <paramref name="instrument"/> (e.g. <c>triggers.events.delivered</c>) since this reader was made.</summary>
    public long Sum(string instrument) => _sums.GetValueOrDefault(instrument);

    public void Dispose() => _listener.Dispose();
}
