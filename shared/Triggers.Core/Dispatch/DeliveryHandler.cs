using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Triggers.Core.Dispatch;

/// <summary>A dispatch POST: carries its delivery policy and counts the attempts that reached the wire.</summary>
internal sealed class DispatchRequest(Uri url, DeliveryPolicy policy) : HttpRequestMessage(HttpMethod.Post, url)
{
    public DeliveryPolicy Policy { get; } = policy;

    public int Attempts { get; set; }
}

/// <summary>
/// Delivery in one handler: retries with backoff and jitter (honouring Retry-After) around a circuit
/// breaker per endpoint around a per-attempt timeout. Same semantics as the Polly pipeline it
/// replaces (and the same BrokenCircuitException and TimeoutRejectedException), in one async
/// method per POST: the Polly pipeline cost about a third of the NATS worker's CPU per message
/// (docs/benchmarks.md).
/// </summary>
internal sealed class DeliveryHandler(DeliveryOptions delivery, TimeProvider time) : DelegatingHandler
{
    private readonly ConcurrentDictionary<(string Scheme, string Host, int Port), EndpointBreaker> _breakers = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var dispatch = request as DispatchRequest;
        var policy = dispatch?.Policy ?? DeliveryPolicy.Default;
        var uri = request.RequestUri ?? throw new InvalidOperationException("A dispatch request needs an absolute URI.");
        var breaker = _breakers.GetOrAdd((uri.Scheme, uri.IdnHost, uri.Port), static (_, s) => new EndpointBreaker(s.delivery, s.time), (delivery, time));
        for (var attempt = 0; ; attempt++)
        {
            HttpResponseMessage? response = null;
            Exception? error = null;
            if (!breaker.TryEnter(out var trial))
            {
                error = new BrokenCircuitException("The circuit is now open and is not allowing calls.");
            }
            else
            {
                if (dispatch is not null)
                {
                    dispatch.Attempts++;
                }

                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(policy.Timeout);
                try
                {
                    response = await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    error = new TimeoutRejectedException($"The operation didn't complete within the allowed timeout of '{policy.Timeout}'.", policy.Timeout, e);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    error = e;
                }
                catch
                {
                    breaker.Abandon(trial);
                    throw;
                }

                breaker.Record(!IsTransient(response, error), trial);
            }

            if (attempt + 1 >= policy.MaxAttempts || !IsTransient(response, error))
            {
                if (error is not null)
                {
                    ExceptionDispatchInfo.Throw(error);
                }

                return response!;
            }

            var delay = RetryAfter(response) is { } retryAfter
                ? (retryAfter > delivery.MaxRetryAfter ? delivery.MaxRetryAfter : retryAfter)
                : Backoff.Next(policy, attempt);
            response?.Dispose();
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>408, 429, 5xx, connection errors, timeouts and an open breaker are worth another attempt.</summary>
    private static bool IsTransient(HttpResponseMessage? response, Exception? error) => error switch
    {
        null => HttpEventDispatcher.Classify(response!.StatusCode) == DispatchOutcome.Retryable,
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException or IOException => true,
        _ => false,
    };

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }
}

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
        lock (_lock)
        {
            var now = time.GetUtcNow().UtcTicks;
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
                bucket = (index, 0, 0);
            }

            bucket.Calls++;
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
