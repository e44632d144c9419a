using System.Diagnostics;
using System.Diagnostics.Metrics;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>Cron-specific instruments on the shared <c>Triggers</c> meter: fires, skips, misses, lateness.</summary>
internal sealed class CronMetrics
{
    private readonly Counter<long> _fires;
    private readonly Counter<long> _skips;
    private readonly Counter<long> _misses;
    private readonly Histogram<double> _lateness;

    public CronMetrics(TriggerMetrics metrics)
    {
        Shared = metrics;
        var meter = metrics.Meter;
        _fires = meter.CreateCounter<long>("triggers.cron.fires", "{tick}", "Ticks fired (scheduled, late catch-up, or run-now).");
        _skips = meter.CreateCounter<long>("triggers.cron.skips", "{tick}", "Ticks skipped, with the reason (concurrencyPolicy Forbid).");
        _misses = meter.CreateCounter<long>("triggers.cron.misses", "{tick}", "Ticks missed while no replica was leading, beyond spec.startingDeadlineSeconds or superseded by a later one.");
        _lateness = meter.CreateHistogram<double>("triggers.cron.lateness", "s", "Actual fire time minus scheduled time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300] });
    }

    public TriggerMetrics Shared { get; }

    public static TagList Tags(CronPlan plan) => TriggerMetrics.Tags(CronJobTrigger.KindName, plan.Trigger, plan.Function);

    public void Fired(CronPlan plan, string kind, TimeSpan lateness)
    {
        var tags = Tags(plan);
        _lateness.Record(Math.Max(0, lateness.TotalSeconds), tags);
        tags.Add("fire", kind);
        _fires.Add(1, tags);
    }

    public void Skipped(CronPlan plan, string reason)
    {
        var tags = Tags(plan);
        tags.Add("reason", reason);
        _skips.Add(1, tags);
    }

    public void Missed(CronPlan plan, long count) => _misses.Add(count, Tags(plan));
}
