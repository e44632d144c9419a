namespace Triggers.Cron.Internal;

/// <summary>One wanted schedule and its runtime state: the last tick claimed and the calls in flight.</summary>
internal sealed class CronJob(CronPlan plan)
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

    /// <summary>The run-now annotation value already acted on (or seen at start).</summary>
    public string? HandledRunNow { get; set; }

    /// <summary>The Quartz job whose ticks this schedule takes (changed under the scheduler's gate only); null while not scheduled.</summary>
    public CronScheduleGroup? Group { get; set; }

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
            replaced = false;
            _runs.RemoveAll(r => r.IsCompleted);
            if (_runs.Count > 0)
            {
                if (policy == ConcurrencyPolicy.Forbid)
                {
                    run = null!;
                    return false;
                }

                if (policy == ConcurrencyPolicy.Replace)
                {
                    foreach (var old in _runs)
                    {
                        old.Cancel();
                    }

                    replaced = true;
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

/// <summary>One call to a function in flight, cancellable by Replace, removal or shutdown.</summary>
internal sealed class CronRun(CancellationToken stopping) : IDisposable
{
    private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    public CancellationToken Token => _cts.Token;

    public Task Completion => _completion.Task;

    public bool IsCompleted => _completion.Task.IsCompleted;

    public void Start(Func<Task> work) => _ = Task.Run(work, CancellationToken.None);

    public void Cancel()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _completion.TrySetResult();
            _cts.Dispose();
        }
    }
}
