using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
using Triggers.Core;
using Triggers.Core.Dispatch;

namespace Triggers.Benchmarks.PollyWorker;

/// <summary>
/// <see cref="DeliveryHandler"/>'s semantics as a Polly.Core pipeline, for the polly-ab benchmark:
/// retry (backoff with jitter from <see cref="Backoff"/>, Retry-After honoured and capped) around a
/// circuit breaker per scheme+host+port (the same ratio, minimum throughput, sampling window and
/// break duration) around a per-attempt timeout that covers the body read, throwing the product's
/// <see cref="CircuitOpenException"/> and <see cref="AttemptTimeoutException"/>. One pooled
/// <see cref="ResilienceContext"/> per POST. A call the open breaker refuses is not counted as an
/// attempt: the retry allows <c>MaxAttempts</c> of each, as DeliveryHandler does.
/// One difference Polly cannot express: a half-open trial cancelled by its caller counts as a success
/// (the circuit closes), where DeliveryHandler leaves the circuit open for the next trial.
/// </summary>
internal sealed class PollyDeliveryHandler(DeliveryOptions delivery, TimeProvider time) : DelegatingHandler
{
    private static readonly ResiliencePropertyKey<DeliveryPolicy> PolicyKey = new("triggers.policy");
    private static readonly ResiliencePropertyKey<int> RefusedKey = new("triggers.refused");

    private readonly ConcurrentDictionary<(string Scheme, string Host, int Port), ResiliencePipeline<HttpResponseMessage>> _pipelines = new();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var uri = request.RequestUri ?? throw new InvalidOperationException("A dispatch request needs an absolute URI.");
        var pipeline = _pipelines.GetOrAdd((uri.Scheme, uri.IdnHost, uri.Port), static (_, self) => self.Build(), this);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            context.Properties.Set(PolicyKey, (request as DispatchRequest)?.Policy ?? DeliveryPolicy.Default);
            var outcome = await pipeline.ExecuteOutcomeAsync(static (context, state) => state.Self.AttemptAsync(state.Request, context), context, (Self: this, Request: request)).ConfigureAwait(false);
            // The product's exception types, so the dispatcher reports "circuit open" and "timeout" as it does for DeliveryHandler.
            switch (outcome.Exception)
            {
                case BrokenCircuitException e:
                    throw new CircuitOpenException(e.Message, e);
                case TimeoutRejectedException e:
                    throw new AttemptTimeoutException(e.Timeout, e);
                default:
                    outcome.ThrowIfException();
                    return outcome.Result!;
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>One attempt: the POST and its bounded body read, both under the attempt's timeout token.</summary>
    private async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(HttpRequestMessage request, ResilienceContext context)
    {
        var dispatch = request as DispatchRequest;
        if (dispatch is not null)
        {
            dispatch.Attempts++;
        }

        HttpResponseMessage? response = null;
        try
        {
            response = await base.SendAsync(request, context.CancellationToken).ConfigureAwait(false);
            if (dispatch is not null)
            {
                dispatch.LastStatus = (int)response.StatusCode;
                (var body, dispatch.ResponseTruncated) = await ResponseBodyReader.ReadAsync(response.Content, delivery.MaxResponseBodyBytes, context.CancellationToken).ConfigureAwait(false);
                dispatch.ResponseBody = body;
            }

            return Outcome.FromResult(response);
        }
        catch (Exception e)
        {
            response?.Dispose();
            return Outcome.FromException<HttpResponseMessage>(e);
        }
    }

    private ResiliencePipeline<HttpResponseMessage> Build() => new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
        .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
        {
            // The attempt limits are DeliveryPolicy's, per call: ShouldRetry enforces them.
            MaxRetryAttempts = int.MaxValue,
            ShouldHandle = static args => ValueTask.FromResult(ShouldRetry(args)),
            DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(Delay(args)),
        })
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
        {
            FailureRatio = delivery.BreakerFailureRatio,
            MinimumThroughput = delivery.BreakerMinimumThroughput,
            SamplingDuration = delivery.BreakerSamplingDuration,
            BreakDuration = delivery.BreakerBreakDuration,
            ShouldHandle = static args => ValueTask.FromResult(IsTransient(args.Outcome)),
        })
        .AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = static args => ValueTask.FromResult(Backoff.Clamp(args.Context.Properties.GetValue(PolicyKey, DeliveryPolicy.Default).Timeout)),
        })
        .Build();

    /// <summary>Retry a transient outcome while fewer than MaxAttempts calls reached the wire and fewer than MaxAttempts were refused.</summary>
    private static bool ShouldRetry(RetryPredicateArguments<HttpResponseMessage> args)
    {
        if (args.Context.CancellationToken.IsCancellationRequested || !IsTransient(args.Outcome))
        {
            return false;
        }

        var maxAttempts = args.Context.Properties.GetValue(PolicyKey, DeliveryPolicy.Default).MaxAttempts;
        var refused = args.Context.Properties.GetValue(RefusedKey, 0);
        if (args.Outcome.Exception is BrokenCircuitException)
        {
            // Only a refusal writes the property: a call that passes the breaker allocates nothing here.
            args.Context.Properties.Set(RefusedKey, ++refused);
        }

        var attempts = args.AttemptNumber + 1 - refused;
        return attempts < maxAttempts && refused < maxAttempts;
    }

    private TimeSpan Delay(RetryDelayGeneratorArguments<HttpResponseMessage> args)
    {
        var delay = DeliveryHandler.RetryAfter(args.Outcome.Result, time) is { } retryAfter
            ? (retryAfter > delivery.MaxRetryAfter ? delivery.MaxRetryAfter : retryAfter)
            : Backoff.Next(args.Context.Properties.GetValue(PolicyKey, DeliveryPolicy.Default), args.AttemptNumber);
        return Backoff.Clamp(delay);
    }

    /// <summary>As DeliveryHandler: 408, 429, 5xx, connection errors, timeouts and an open breaker.</summary>
    private static bool IsTransient(Outcome<HttpResponseMessage> outcome) => outcome.Exception switch
    {
        null => HttpEventDispatcher.Classify(outcome.Result!.StatusCode) == DispatchOutcome.Retryable,
        HttpRequestException or TimeoutRejectedException or BrokenCircuitException or IOException => true,
        _ => false,
    };
}
