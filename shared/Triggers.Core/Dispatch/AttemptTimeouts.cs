namespace Triggers.Core.Dispatch;

/// <summary>
/// Per-attempt timeouts on one <see cref="TimeProvider"/> timer instead of a timer per attempt.
/// Each attempt takes a pooled <see cref="AttemptTimeout"/> (its cancellation source reset and reused
/// while it was never cancelled) and stamps its deadline; the one timer is due at the earliest
/// deadline it knows of, cancels every attempt then overdue and sets itself to the next. Under a
/// steady load of similar timeouts the earliest deadline only moves later, so the timer is rearmed
/// about once per timeout, not once per POST. A timeout fires on its deadline, as a
/// <c>CancelAfter</c> did: the timer is moved earlier whenever an attempt's deadline comes before it.
/// Measured against a linked cancellation source with <c>CancelAfter</c> per attempt (its timer
/// object, the timer queue's lock, and a registration on the caller's token): docs/benchmarks.md.
/// </summary>
internal sealed class AttemptTimeouts : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly System.Collections.Concurrent.ConcurrentQueue<AttemptTimeout> _free = new();
    private readonly Lock _lock = new();
    private readonly Lock _sweeping = new();
    private AttemptTimeout[] _slots = new AttemptTimeout[16];
    private int _count;
    private long _next = long.MaxValue;

    public AttemptTimeouts(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((AttemptTimeouts)s!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts an attempt that is cancelled after <paramref name="timeout"/> or with <paramref name="cancellationToken"/>; hand it back with <see cref="End"/>.</summary>
    public AttemptTimeout Start(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (!_free.TryDequeue(out var attempt))
        {
            attempt = Add();
        }

        if (cancellationToken.CanBeCanceled)
        {
            attempt.Link = cancellationToken.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), attempt.Source);
        }

        var now = _time.GetTimestamp();
        var ticks = (long)Math.Min(timeout.TotalSeconds * _time.TimestampFrequency, long.MaxValue / 2);
        var deadline = Math.Max(now + ticks, 1);
        Interlocked.Exchange(ref attempt.Deadline, deadline);
        if (deadline < Volatile.Read(ref _next))
        {
            Arm(deadline, now);
        }

        return attempt;
    }

    /// <summary>Ends an attempt: its source goes back to the pool, or is replaced when it was cancelled.</summary>
    public void End(AttemptTimeout attempt)
    {
        attempt.Link.Dispose();
        attempt.Link = default;
        var deadline = Interlocked.Exchange(ref attempt.Deadline, AttemptTimeout.Idle);

        // An expired source may still be being cancelled by the sweep: it is dropped, never reset.
        if (deadline == AttemptTimeout.Expired || !attempt.Source.TryReset())
        {
            attempt.Source = new CancellationTokenSource();
        }

        _free.Enqueue(attempt);
    }

    public void Dispose() => _timer.Dispose();

    private AttemptTimeout Add()
    {
        var attempt = new AttemptTimeout();
        lock (_lock)
        {
            if (_count == _slots.Length)
            {
                var grown = new AttemptTimeout[_slots.Length * 2];
                _slots.CopyTo(grown, 0);
                Volatile.Write(ref _slots, grown);
            }

            _slots[_count] = attempt;
            Volatile.Write(ref _count, _count + 1);
        }

        return attempt;
    }

    /// <summary>Makes the timer due at <paramref name="deadline"/> unless it is due earlier already.</summary>
    private void Arm(long deadline, long now)
    {
        lock (_lock)
        {
            if (deadline < _next)
            {
                Interlocked.Exchange(ref _next, deadline);
                _timer.Change(deadline <= now ? TimeSpan.Zero : _time.GetElapsedTime(now, deadline), Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Cancels every overdue attempt and sets the timer to the earliest deadline still running.</summary>
    private void Sweep()
    {
        lock (_sweeping)
        {
            // Forgotten first: an attempt that starts during the sweep either is seen below or arms the timer itself.
            Interlocked.Exchange(ref _next, long.MaxValue);
            var now = _time.GetTimestamp();
            var earliest = long.MaxValue;
            var count = Volatile.Read(ref _count);
            var slots = Volatile.Read(ref _slots);
            for (var i = 0; i < count; i++)
            {
                var attempt = slots[i];
                var deadline = Volatile.Read(ref attempt.Deadline);
                if (deadline <= AttemptTimeout.Idle)
                {
                    continue;
                }

                if (deadline > now)
                {
                    earliest = Math.Min(earliest, deadline);
                    continue;
                }

                // The source is read after the deadline: a slot's source changes only while it is idle.
                var source = attempt.Source;
                if (Interlocked.CompareExchange(ref attempt.Deadline, AttemptTimeout.Expired, deadline) == deadline)
                {
                    Cancel(source);
                }
            }

            if (earliest != long.MaxValue)
            {
                Arm(earliest, now);
            }
        }
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (AggregateException)
        {
            // A callback of the attempt's own (the connection's abort) failed; the attempt still ends as timed out.
        }
    }
}
