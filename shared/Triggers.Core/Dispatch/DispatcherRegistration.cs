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
        services.TryAddSingleton<DeliveryOutcomeRule>();
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
            .AddHttpMessageHandler(services =>
            {
                var delivery = services.GetRequiredService<IOptions<TriggersOptions>>().Value.Delivery;
                var time = services.GetRequiredService<TimeProvider>();
                return services.GetService<DeliveryHandlerFactory>() is { } factory ? factory(delivery, time) : new DeliveryHandler(delivery, time);
            });
        return services;
    }
}
