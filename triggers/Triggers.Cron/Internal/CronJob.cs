using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>One wanted schedule and its runtime state: the last tick claimed, the calls in flight, and its part in the trigger's <c>Degraded</c> condition.</summary>
internal sealed class CronJob(CronPlan plan, SubscriptionHealth health)
{
    private readonly Lock _gate = new();
    private readonly List<CronRun> _runs = [];
    private DateTimeOffset? _lastTick;
    private volatile CronPlan _plan = plan;

    public CronPlan Plan
    {
        get => _plan;
        set => _plan = value;
    }

    /// <summary>Reports a tick of this schedule that threw while recorded, fired or delivered; disposed when the schedule goes.</summary>
    public SubscriptionHealth Health { get; } = health;

    /// <summary>The run-now annotation value already acted on (or seen at start).</summary>
    public string? HandledRunNow { get; set; }

    /// <summary>The Quartz job whose ticks this schedule takes (changed under the scheduler's gate only); null while not scheduled.</summary>
    public CronScheduleGroup? Group { get; set; }

    /// <summary>True while this replica holds the schedule in Quartz (or holds it suspended); false while another replica leads.</summary>
    public bool Scheduled { get; set; }

    /// <summary>When this schedule joined <see cref="Group"/>: earlier ticks of the group are not its own.</summary>
    public DateTimeOffset JoinedAt { get; set; }

    public DateTimeOffset? LastTick
    {
        get
        {
            lock (_gate)
            {
                return _lastTick;
            }
        }
    }

    public void AdvanceTo(DateTimeOffset? tick)
    {
        lock (_gate)
        {
            if (tick is { } t && (_lastTick is null || t > _lastTick))
            {
                _lastTick = t;
            }
        }
    }

    /// <summary>Claims a tick; false when it, or a later one, was already claimed.</summary>
    public bool TryClaim(DateTimeOffset scheduled)
    {
        lock (_gate)
        {
            if (_lastTick is { } last && scheduled <= last)
            {
                return false;
            }

            _lastTick = scheduled;
            return true;
        }
    }

    /// <summary>Starts a run under the concurrency policy; false when Forbid says skip.</summary>
    public bool TryStartRun(ConcurrencyPolicy policy, CancellationToken stopping, out CronRun run, out bool replaced)
    {
        lock (_gate)
        {
            _runs.RemoveAll(r => r.IsCompleted);
            var decision = CronDecisions.OnTick(policy, _runs.Count);
            replaced = decision == RunDecision.Replace;
            if (decision == RunDecision.Skip)
            {
                run = null!;
                return false;
            }

            if (replaced)
            {
                foreach (var old in _runs)
                {
                    old.Cancel();
                }
            }

            run = new CronRun(stopping);
            _runs.Add(run);
            return true;
        }
    }

    public void EndRun(CronRun run)
    {
        lock (_gate)
        {
            _runs.Remove(run);
        }

        run.Dispose();
    }

    /// <summary>The calls in flight, to wait on.</summary>
    public IReadOnlyList<Task> Running()
    {
        lock (_gate)
        {
            return [.. _runs.Select(r => r.Completion)];
        }
    }

    /// <summary>Cancels every call in flight; returns their tasks to wait on.</summary>
    public IReadOnlyList<Task> CancelRuns()
    {
        lock (_gate)
        {
            foreach (var run in _runs)
            {
                run.Cancel();
            }

            return [.. _runs.Select(r => r.Completion)];
        }
    }
}
