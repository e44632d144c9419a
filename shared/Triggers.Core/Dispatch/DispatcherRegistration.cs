using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Triggers.Core.Dispatch;

/// <summary>Registers the HTTP dispatcher and its resilience pipeline.</summary>
public static class DispatcherRegistration
{
    public static IServiceCollection AddTriggersDispatcher(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventDispatcher, HttpEventDispatcher>();
        services.AddHttpClient(HttpEventDispatcher.ClientName, client =>
            {
                // Per-attempt timeouts come from the pipeline; the client itself never gives up first.
                // No DefaultRequestHeaders: copying them into every request takes a lock shared by all requests.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .RemoveAllLoggers() // a log scope and a stopwatch per request; the workers log outcomes themselves
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
                ConnectTimeout = TimeSpan.FromSeconds(10),
                MaxConnectionsPerServer = 1024,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("dispatch", (pipeline, context) =>
            {
                var delivery = context.ServiceProvider.GetRequiredService<IOptions<TriggersOptions>>().Value.Delivery;
                var time = context.ServiceProvider.GetRequiredService<TimeProvider>();
                pipeline.AddRetry(RetryOptions(delivery, time))
                    .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                    {
                        FailureRatio = delivery.BreakerFailureRatio,
                        MinimumThroughput = delivery.BreakerMinimumThroughput,
                        SamplingDuration = delivery.BreakerSamplingDuration,
                        BreakDuration = delivery.BreakerBreakDuration,
                    })
                    .AddTimeout(new TimeoutStrategyOptions
                    {
                        TimeoutGenerator = args => ValueTask.FromResult(PolicyOf(args.Context).Timeout),
                    });
            })
            .SelectPipelineByAuthority();

        // Innermost: counts the attempts that really reach the wire (not those the breaker rejects).
        services.AddHttpClient(HttpEventDispatcher.ClientName).AddHttpMessageHandler(() => new AttemptCounter());
        return services;
    }

    private static DeliveryPolicy PolicyOf(ResilienceContext context) =>
        context.Properties.TryGetValue(HttpEventDispatcher.PolicyKey, out var policy) ? policy : DeliveryPolicy.Default;

    private static RetryStrategyOptions<HttpResponseMessage> RetryOptions(DeliveryOptions delivery, TimeProvider time) => new()
    {
        MaxRetryAttempts = int.MaxValue,
        BackoffType = DelayBackoffType.Exponential,
        ShouldHandle = args =>
        {
            var policy = PolicyOf(args.Context);
            if (args.AttemptNumber + 1 >= policy.MaxAttempts)
            {
                return ValueTask.FromResult(false);
            }

            return ValueTask.FromResult(
                HttpClientResiliencePredicates.IsTransient(args.Outcome) ||
                args.Outcome.Exception is BrokenCircuitException or TimeoutRejectedException);
        },
        DelayGenerator = args =>
        {
            var policy = PolicyOf(args.Context);
            if (args.Outcome.Result is { } response && RetryAfter(response, time) is { } retryAfter)
            {
                return ValueTask.FromResult<TimeSpan?>(retryAfter > delivery.MaxRetryAfter ? delivery.MaxRetryAfter : retryAfter);
            }

            return ValueTask.FromResult<TimeSpan?>(Backoff.Next(policy, args.AttemptNumber));
        },
    };

    private static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time)
    {
        var header = response.Headers.RetryAfter;
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

    private sealed class AttemptCounter : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.GetResilienceContext() is { } context && context.Properties.TryGetValue(HttpEventDispatcher.AttemptsKey, out StrongBox<int>? attempts))
            {
                Interlocked.Increment(ref attempts.Value);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>Exponential backoff with jitter, shared by the dispatcher and the workers' own redelivery loops.</summary>
public static class Backoff
{
    /// <summary>The delay before retry number <paramref name="attempt"/> (0-based): initial x 2^attempt, capped, with +/-20% jitter.</summary>
    public static TimeSpan Next(DeliveryPolicy policy, int attempt) => Next(policy.InitialBackoff, policy.MaxBackoff, attempt);

    public static TimeSpan Next(TimeSpan initial, TimeSpan max, int attempt)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30));
        var capped = Math.Min(exponential, max.TotalMilliseconds);
        var jittered = capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds));
    }
}
