using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Triggers.Core.Dispatch;

/// <summary>Registers the HTTP dispatcher and its delivery handler (retry, breaker per endpoint, per-attempt timeout).</summary>
public static class DispatcherRegistration
{
    public static IServiceCollection AddTriggersDispatcher(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IEventDispatcher, HttpEventDispatcher>();
        services.AddHttpClient(HttpEventDispatcher.ClientName, client =>
            {
                // Per-attempt timeouts come from DeliveryHandler; the client itself never gives up first.
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
            .AddHttpMessageHandler(services => new DeliveryHandler(
                services.GetRequiredService<IOptions<TriggersOptions>>().Value.Delivery,
                services.GetRequiredService<TimeProvider>()));
        return services;
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
