using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Hosting;
using Triggers.Core.Kubernetes;
using Triggers.Core.Resources;
using Triggers.Cron.Internal;

namespace Triggers.Cron;

/// <summary>Builds the cron worker; used by <c>Program.cs</c>, tests and the all-in-one local runner.</summary>
public static class CronWorkerHost
{
    /// <summary>The worker's builder: shared defaults plus the cron registrations. <paramref name="configuration"/> overrides every other source.</summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, IEnumerable<KeyValuePair<string, string?>>? configuration = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
        }

        builder.AddTriggersDefaults(ResourceKind.CronJobTrigger, "cron");
        builder.AddCronWorker();
        return builder;
    }

    /// <summary>Builds the app and maps <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c>, <c>/status</c>.</summary>
    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapTriggersEndpoints();
        if (app.Services.GetRequiredService<IOptions<CronOptions>>().Value.EnableRunEndpoint)
        {
            app.MapPost("/cron/{namespace}/{name}/run", async (string @namespace, string name, HttpRequest request, CronScheduler scheduler, IOptions<CronOptions> options, CancellationToken cancellationToken) =>
            {
                if (!BearerToken.Matches(request.Headers.Authorization, options.Value.RunEndpointToken))
                {
                    return Results.Unauthorized();
                }

                var (outcome, fired, message) = await scheduler.RunNowAsync(new ResourceKey(@namespace, name), cancellationToken).ConfigureAwait(false);
                return outcome switch
                {
                    RunNowOutcome.Fired => Results.Accepted(value: new { trigger = $"{@namespace}/{name}", fired }),
                    RunNowOutcome.NotFound => Results.NotFound(message),
                    _ => Results.Conflict(message),
                };
            });
        }

        return app;
    }

    /// <summary>Registers the cron worker's planner, scheduler, state and leader election.</summary>
    public static IHostApplicationBuilder AddCronWorker(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CronOptions>().Bind(builder.Configuration.GetSection(CronOptions.Section)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CronOptions>, CronOptionsValidator>());
        services.TryAddSingleton<CronStateStore>();
        services.TryAddSingleton<CronMetrics>();
        services.TryAddSingleton<CronLeaderGate>();
        services.TryAddSingleton<CronStatusPublisher>();
        services.TryAddSingleton<CronDelivery>();
        services.TryAddSingleton<CronFirer>();
        services.TryAddSingleton<CronFireLoop>();
        services.TryAddSingleton<QuartzTicker>();
        services.AddTriggerReconciler<CronJobTrigger, CronPlan, CronPlanner, CronScheduler>();

        var manifests = string.Equals(builder.Configuration[$"{TriggersOptions.Section}:{nameof(TriggersOptions.Source)}"], nameof(SourceKind.Manifests), StringComparison.OrdinalIgnoreCase);
        var elect = builder.Configuration.GetValue($"{CronOptions.Section}:{nameof(CronOptions.LeaderElection)}", true);
        if (manifests || !elect)
        {
            services.TryAddSingleton<ILeaderElector, SingleInstanceLeaderElector>();
        }
        else
        {
            // The cron keys (Cron:LeaseName, ...) are the elector's settings; a graceful stop releases the Lease.
            services.AddOptions<LeaderElectionOptions>()
                .Configure<IOptions<CronOptions>>((election, cron) => CronElection.Apply(cron.Value, election))
                .ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeaderElectionOptions>>(new LeaderElectionOptionsValidator(CronOptions.Section)));
            services.TryAddSingleton<ILeaderElector, KubernetesLeaderElector>();
        }

        services.AddHostedService<CronLeadershipService>();
        return builder;
    }
}
