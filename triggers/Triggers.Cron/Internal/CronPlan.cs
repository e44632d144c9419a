using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>One scheduled (trigger, function) pair: everything a tick needs, resolved and validated.</summary>
internal sealed record CronPlan : SubscriptionPlan
{
    public required FunctionEndpoint Function { get; init; }

    public required CronSchedule Schedule { get; init; }

    /// <summary>The JSON of <c>spec.payload</c>, or empty when there is none.</summary>
    public required ReadOnlyMemory<byte> Body { get; init; }

    public bool HasPayload { get; init; }

    public required DeliveryPolicy Policy { get; init; }

    public ConcurrencyPolicy Concurrency { get; init; }

    /// <summary><c>spec.startingDeadlineSeconds</c>; null means the most recent missed tick is always fired once, late.</summary>
    public TimeSpan? StartingDeadline { get; init; }

    public bool Suspend { get; init; }

    /// <summary>
    /// <c>status.lastScheduleTime</c> as the source last showed it (the previous leader's record in
    /// Kubernetes mode): a schedule resumes after it. Not part of the revisions.
    /// </summary>
    public DateTimeOffset? RecordedLastSchedule { get; init; }

    /// <summary>Value of the <c>triggers/run-now</c> annotation; a new value fires once.</summary>
    public string? RunNow { get; init; }

    /// <summary>Changes when the schedule side changes (everything but <see cref="RunNow"/>).</summary>
    public required string ScheduleRevision { get; init; }

    public required long? Generation { get; init; }

    public required TriggerCondition Condition { get; init; }

    /// <summary>Number of functions the trigger schedules (for the status store).</summary>
    public int Siblings { get; init; } = 1;
}
