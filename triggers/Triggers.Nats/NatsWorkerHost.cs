using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Nats.Internal;

namespace Triggers.Nats;

/// <summary>Builds the NATS worker; used by <c>Program.cs</c>, the tests and the all-in-one local runner.</summary>
public static class NatsWorkerHost
{
    public const string WorkerName = "nats";

    /// <summary>A web application builder with the shared defaults and the NATS worker registered.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddTriggersDefaults(ResourceKind.NatsTrigger, WorkerName);
        builder.AddNatsWorker();
        return builder;
    }

    /// <summary>Builds the application and maps <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and <c>/status</c>.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapTriggersEndpoints();
        return app;
    }

    /// <summary>Registers the NATS connection, planner, subscription set and readiness check.</summary>
    public static IHostApplicationBuilder AddNatsWorker(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<NatsOptions>()
            .Bind(builder.Configuration.GetSection(NatsOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<NatsOptions>, NatsOptionsValidator>());

        // Shutdown must leave room for every subscription to drain its in-flight POSTs.
        var drain = builder.Configuration.GetValue<TimeSpan?>($"{NatsOptions.Section}:{nameof(NatsOptions.DrainTimeout)}") ?? new NatsOptions().DrainTimeout;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = Max(o.ShutdownTimeout, drain + TimeSpan.FromSeconds(10)));

        services.TryAddSingleton<NatsConnectionHolder>();
        services.TryAddSingleton(sp => new NatsDeadLetters(sp.GetRequiredService<NatsConnectionHolder>()));
        services.TryAddSingleton(sp => new NatsEventHandler(
            sp.GetRequiredService<IEventDispatcher>(),
            sp.GetRequiredService<DeliveryOutcomeRule>(),
            sp.GetRequiredService<TriggerMetrics>(),
            sp.GetRequiredService<NatsConnectionHolder>(),
            sp.GetRequiredService<NatsDeadLetters>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<NatsEventHandler>>()));
        services.TryAddSingleton(sp => new NatsSubscriptionSet(
            sp.GetRequiredService<NatsConnectionHolder>(),
            sp.GetRequiredService<NatsEventHandler>(),
            sp.GetRequiredService<IOptions<NatsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<TriggerHealthReporter>(),
            sp.GetRequiredService<ILogger<NatsSubscriptionSet>>()));
        services.AddHostedService<NatsConnectionService>();
        services.AddTriggerReconciler<NatsTrigger, NatsSubscriptionPlan, NatsTriggerPlanner, NatsSubscriptionSet>();
        services.AddHealthChecks().AddCheck<NatsConnectionHealthCheck>("nats-connection", tags: [TriggersHostExtensions.ReadyTag]);
        return builder;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
