using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Triggers.Core.Reconcile;

namespace Triggers.Core.Hosting;

/// <summary>
/// Gauge <c>triggers.trigger.ready</c>: 1 per Ready trigger, 0 per trigger that is not, tagged with
/// kind, trigger and reason, so an alert can say which trigger has not been Ready for how long.
/// A hosted service only so that the gauge exists from the start.
/// </summary>
public sealed class TriggerReadinessMetrics : IHostedService
{
    public const string InstrumentName = "triggers.trigger.ready";

    public TriggerReadinessMetrics(TriggerMetrics metrics, TriggerStatusStore store, MetricSeriesLimit limit)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(limit);
        metrics.Meter.CreateObservableGauge(
            InstrumentName,
            () =>
            {
                var all = store.All;
                limit.Observed(InstrumentName, all.Count);
                return all.Select(s => new Measurement<int>(
                    s.Condition.Ready ? 1 : 0,
                    [new("kind", s.Kind.Kind), new("trigger", s.Trigger.ToString()), new("reason", s.Condition.Reason)]));
            },
            "{trigger}",
            "1 when the trigger's Ready condition is True, else 0; reason is the condition's reason.");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
