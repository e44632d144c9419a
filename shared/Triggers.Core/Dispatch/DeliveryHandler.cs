using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace Triggers.Core.Dispatch;

/// <summary>
/// Delivery in one handler: retries with backoff and jitter (honouring Retry-After) around a circuit
/// breaker per endpoint around a per-attempt timeout (<see cref="AttemptTimeouts"/>: one timer for
/// all attempts, on the handler's <see cref="TimeProvider"/>). The timeout covers the whole exchange, the
/// answer's body included (read here, bounded by <c>Triggers:Delivery:MaxResponseBodyBytes</c>), so a
/// function that sends headers and then trickles its body cannot hold a slot for ever. A call the open
/// breaker refuses is not an attempt: it waits and tries again, at most <c>maxAttempts</c> times.
/// It throws <see cref="CircuitOpenException"/> and <see cref="AttemptTimeoutException"/>. One async
/// method per POST instead of a Polly.Core pipeline: measured in alternating pairs, the Polly.Core
/// pipeline cost the NATS worker 15-26% more CPU per event (docs/benchmarks.md, polly-ab).
/// </summary>
internal sealed class DeliveryHandler(DeliveryOptions delivery, TimeProvider time) : DelegatingHandler
{
    private readonly ConcurrentDictionary<(string Scheme, string Host, int Port), EndpointBreaker> _breakers = new();
    private readonly AttemptTimeouts _timeouts = new(time);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var dispatch = request as DispatchRequest;
        var policy = dispatch?.Policy ?? DeliveryPolicy.Default;
        var uri = request.RequestUri ?? throw new InvalidOperationException("A dispatch request needs an absolute URI.");
        var breaker = _breakers.GetOrAdd((uri.Scheme, uri.IdnHost, uri.Port), static (_, s) => new EndpointBreaker(s.delivery, s.time), (delivery, time));
        for (int attempts = 0, refused = 0; ;)
        {
            HttpResponseMessage? response = null;
            Exception? error = null;
            if (!breaker.TryEnter(out var trial))
            {
                refused++;
                error = new CircuitOpenException();
            }
            else
            {
                attempts++;
                if (dispatch is not null)
                {
                    dispatch.Attempts++;
                }

                var timeout = _timeouts.Start(Backoff.Clamp(policy.Timeout), cancellationToken);
                try
                {
                    response = await base.SendAsync(request, timeout.Token).ConfigureAwait(false);
                    if (dispatch is not null)
                    {
                        dispatch.LastStatus = (int)response.StatusCode;
                        (var body, dispatch.ResponseTruncated) = await ResponseBodyReader.ReadAsync(response.Content, delivery.MaxResponseBodyBytes, timeout.Token).ConfigureAwait(false);
                        dispatch.ResponseBody = body;
                    }
                }
                catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
                {
                    response?.Dispose();
                    response = null;
                    error = new AttemptTimeoutException(policy.Timeout, e);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    response?.Dispose();
                    response = null;
                    error = e;
                }
                catch
                {
                    response?.Dispose();
                    breaker.Abandon(trial);
                    throw;
                }
                finally
                {
                    _timeouts.End(timeout);
                }

                breaker.Record(!IsTransient(response, error), trial);
            }

            if (attempts >= policy.MaxAttempts || refused >= policy.MaxAttempts || !IsTransient(response, error))
            {
                if (error is not null)
                {
                    ExceptionDispatchInfo.Throw(error);
                }

                return response!;
            }

            var delay = RetryAfter(response, time) is { } retryAfter
                ? (retryAfter > delivery.MaxRetryAfter ? delivery.MaxRetryAfter : retryAfter)
                : Backoff.Next(policy, attempts + refused - 1);
            response?.Dispose();
            await Backoff.DelayAsync(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _timeouts.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>408, 429, 5xx, connection errors, timeouts and an open breaker are worth another attempt.</summary>
    private static bool IsTransient(HttpResponseMessage? response, Exception? error) => error switch
    {
        null => HttpEventDispatcher.Classify(response!.StatusCode) == DispatchOutcome.Retryable,
        HttpRequestException or AttemptTimeoutException or CircuitOpenException or IOException => true,
        _ => false,
    };

    /// <summary>The answer's Retry-After as a wait from now, if it sent one.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage? response, TimeProvider time)
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
