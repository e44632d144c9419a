namespace Triggers.Core.Dispatch;

/// <summary>
/// The circuit breaker of one endpoint. Closed: calls pass; it opens when, within the sampling
/// duration, at least the minimum throughput of calls ended and the failed share reached the
/// failure ratio. Open: calls are rejected for the break duration. Then half-open: one trial
/// call passes; its success closes the circuit, its failure opens it again.
/// </summary>
internal sealed class EndpointBreaker(DeliveryOptions options, TimeProvider time)
{
    private const int Buckets = 10;

    private readonly Lock _lock = new();
    private readonly long _bucketTicks = Math.Max(1, options.BreakerSamplingDuration.Ticks / Buckets);
    private readonly (long Index, int Calls, int Failures)[] _window = new (long, int, int)[Buckets];
    private volatile int _state; // 0 closed, 1 open, 2 half-open with its trial out
    private long _openUntil;

    public bool TryEnter(out bool trial)
    {
        trial = false;
        if (_state == 0)
        {
            return true;
        }

        lock (_lock)
        {
            if (_state == 1 && time.GetUtcNow().UtcTicks >= _openUntil)
            {
                _state = 2;
                trial = true;
                return true;
            }

            return _state == 0;
        }
    }

    public void Record(bool success, bool trial)
    {
        var now = time.GetUtcNow().UtcTicks;

        // A success of a closed circuit in the current bucket, by far the most frequent call, only
        // counts: without the lock that every completing POST of the endpoint would take in turn.
        // Rotation zeroes a bucket before it publishes the new index, so a count lands in the
        // bucket it read or, racing a rotation, in the next one.
        if (success && !trial && _state == 0)
        {
            var current = now / _bucketTicks;
            ref var slot = ref _window[(int)(current % Buckets)];
            if (Volatile.Read(ref slot.Index) == current)
            {
                Interlocked.Increment(ref slot.Calls);
                return;
            }
        }

        lock (_lock)
        {
            if (trial)
            {
                Reset();
                if (success)
                {
                    _state = 0;
                }
                else
                {
                    Open(now);
                }

                return;
            }

            if (_state != 0)
            {
                return;
            }

            var index = now / _bucketTicks;
            ref var bucket = ref _window[(int)(index % Buckets)];
            if (bucket.Index != index)
            {
                bucket.Calls = 0;
                bucket.Failures = 0;
                Volatile.Write(ref bucket.Index, index);
            }

            Interlocked.Increment(ref bucket.Calls);
            if (success)
            {
                return;
            }

            bucket.Failures++;
            int calls = 0, failures = 0;
            foreach (var b in _window)
            {
                if (b.Index > index - Buckets)
                {
                    calls += b.Calls;
                    failures += b.Failures;
                }
            }

            if (calls >= options.BreakerMinimumThroughput && failures >= options.BreakerFailureRatio * calls)
            {
                Open(now);
            }
        }
    }

    /// <summary>A trial call that was cancelled by its caller proves nothing: the next call may try again.</summary>
    public void Abandon(bool trial)
    {
        if (trial)
        {
            lock (_lock)
            {
                _state = 1;
            }
        }
    }

    private void Open(long now)
    {
        _openUntil = now + options.BreakerBreakDuration.Ticks;
        _state = 1;
        Reset();
    }

    private void Reset() => Array.Clear(_window);
}
