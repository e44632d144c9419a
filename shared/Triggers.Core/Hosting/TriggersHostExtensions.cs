using System.Diagnostics.Metrics;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Triggers.Core.Dispatch;
using Triggers.Core.Kubernetes;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Hosting;

/// <summary>Registrations every worker shares: options, resource source and cache, resolver, dispatcher, health, telemetry.</summary>
public static class TriggersHostExtensions
{
    /// <summary>Tag of the health checks that make up <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Adds the shared core for a worker that runs triggers of <paramref name="triggerKind"/>.</summary>
    public static IHostApplicationBuilder AddTriggersDefaults(this IHostApplicationBuilder builder, ResourceKind triggerKind, string workerName)
    {
        AddLoggingDefaults(builder.Configuration);
        var services = builder.Services;
        services.AddOptions<TriggersOptions>()
            .Bind(builder.Configuration.GetSection(TriggersOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TriggersOptions>, TriggersOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new ResourceCache([ResourceKind.Function, ResourceKind.Service, triggerKind]));
        services.TryAddSingleton<ManifestDiagnostics>();
        services.TryAddSingleton<TriggerStatusStore>();
        services.TryAddSingleton<TriggerStatusPublisher>();
        services.TryAddSingleton<TriggerHealthReporter>();
        services.TryAddSingleton<ReconcilerState>();
        services.TryAddSingleton<FunctionResolver>();
        services.TryAddSingleton<DeliveryPolicyResolver>();
        services.TryAddSingleton<TriggerMetrics>();
        services.TryAddSingleton<MetricSeriesLimit>();
        services.AddHostedService<TriggerReadinessMetrics>();
        services.TryAddSingleton(new WorkerIdentity(workerName, triggerKind));

        var source = Enum.TryParse<SourceKind>(builder.Configuration[$"{TriggersOptions.Section}:{nameof(TriggersOptions.Source)}"], ignoreCase: true, out var s) ? s : SourceKind.Kubernetes;
        if (source == SourceKind.Kubernetes)
        {
            services.AddTriggersKubernetes();
        }
        else
        {
            services.TryAddSingleton<IResourceSource, ManifestsSource>();
            services.TryAddSingleton<ITriggerStatusWriter, NullTriggerStatusWriter>();
            services.TryAddSingleton<ITriggerFinalizer, NullTriggerFinalizer>();
        }

        services.AddHostedService<ResourceSourceService>();
        services.AddTriggersDispatcher();

        services.AddHealthChecks()
            .AddCheck<ControlPathHealthCheck>("control-path", tags: [ReadyTag]);

        // OTEL_SERVICE_NAME (the Deployments set it) wins; without it a worker is triggers-<worker>,
        // not unknown_service:dotnet.
        var serviceName = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : $"triggers-{workerName}";
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(TriggerMetrics.MeterName, "Triggers.*")
                .AddRuntimeInstrumentationIfAvailable()
                .AddPrometheusExporter());
        services.ConfigureOpenTelemetryMeterProvider((provider, metrics) => metrics.AddView(MetricStreams(
            provider.GetRequiredService<IMeterFactory>(),
            MetricSeriesLimit.Configured(provider.GetRequiredService<IConfiguration>()))));

        // Spans are only recorded when there is somewhere to send them: a tracer without an
        // exporter costs every event an allocation and a lock for nothing. traceparent is sent
        // either way (the dispatcher starts an activity of its own when nobody listens).
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(tracing => tracing
                    .AddSource("Triggers.*")
                    .AddHttpClientInstrumentation()
                    .AddOtlpExporter())
                .WithMetrics(m => m.AddOtlpExporter());
        }

        return builder;
    }

    /// <summary>Registers a worker's planner and subscription set behind the shared reconciler.</summary>
    public static IServiceCollection AddTriggerReconciler<TTrigger, TPlan, TPlanner, TSet>(this IServiceCollection services)
        where TTrigger : class, IKubernetesObject<V1ObjectMeta>
        where TPlan : SubscriptionPlan
        where TPlanner : class, ITriggerPlanner<TTrigger, TPlan>
        where TSet : class, ISubscriptionSet<TPlan>
    {
        services.TryAddSingleton<TPlanner>();
        services.TryAddSingleton<ITriggerPlanner<TTrigger, TPlan>>(sp => sp.GetRequiredService<TPlanner>());
        services.TryAddSingleton<TSet>();
        services.TryAddSingleton<ISubscriptionSet<TPlan>>(sp => sp.GetRequiredService<TSet>());
        services.AddSingleton<ITriggerCheck>(sp => new PlannerCheck<TTrigger, TPlan>(sp.GetRequiredService<ITriggerPlanner<TTrigger, TPlan>>()));
        services.AddHostedService<TriggerReconciler<TTrigger, TPlan>>();
        return services;
    }

    /// <summary>Maps <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and <c>/status</c>.</summary>
    public static IEndpointRouteBuilder MapTriggersEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteHealthAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGet("/status", (TriggerStatusStore store, ManifestDiagnostics diagnostics, ReconcilerState state, WorkerIdentity worker) => Results.Json(new
        {
            worker = worker.Name,
            ready = state.IsReady,
            detail = state.Detail,
            triggers = store.All.Select(s => new
            {
                kind = s.Kind.Kind,
                @namespace = s.Trigger.Namespace,
                name = s.Trigger.Name,
                ready = s.Condition.Ready,
                reason = s.Condition.Reason,
                message = s.Condition.Message,
                subscriptions = s.Subscriptions,
                observedGeneration = s.ObservedGeneration,
                lastTransitionTime = s.LastTransitionTime,
                lastScheduleTime = s.LastScheduleTime,
                lastSuccessfulTime = s.LastSuccessfulTime,
                nextScheduleTime = s.NextScheduleTime,
                degraded = s.Degraded is { } d ? new { status = d.Degraded, reason = d.Reason, message = d.Message, lastTransitionTime = d.LastTransitionTime } : null,
            }),
            manifestProblems = diagnostics.Problems.Select(p => p.ToString()),
        }));
        return app;
    }

    /// <summary>
    /// Probes and per-request logs at Warning: at Information every /readyz probe wrote three lines.
    /// Added as the lowest-priority configuration source, so appsettings, environment variables
    /// (Logging__LogLevel__...) and the command line still override them.
    /// </summary>
    private static void AddLoggingDefaults(IConfigurationManager configuration)
    {
        var defaults = new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
                ["Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks"] = "Warning",
                ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Warning",
                ["Logging:LogLevel:Microsoft.Extensions.Http"] = "Warning",
            },
        };
        configuration.Sources.Insert(0, defaults);
    }

    /// <summary>
    /// The one view of every worker. It drops the instruments of meters another host's
    /// <see cref="IMeterFactory"/> made: OpenTelemetry listens to every meter of a name in the
    /// process, so with several hosts in one process (triggers-dev, tests) a worker's /metrics
    /// reported the others' measurements too, and once the host whose instrument opened a metric
    /// stream stopped, the stream ended for every host (a worker's own Triggers metrics vanished
    /// from its /metrics). The worker's own Triggers instruments keep
    /// <c>Triggers:Metrics:CardinalityLimit</c> series instead of OpenTelemetry's 2,000, past which
    /// the series of more triggers (or Kafka partitions) would be merged into one.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> MetricStreams(IMeterFactory own, int cardinalityLimit)
    {
        var perTrigger = new MetricStreamConfiguration { CardinalityLimit = cardinalityLimit };
        return instrument => instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, own)
            ? MetricStreamConfiguration.Drop
            : IsTriggersMeter(instrument.Meter.Name) ? perTrigger : null;
    }

    private static bool IsTriggersMeter(string name) =>
        name == TriggerMetrics.MeterName || name.StartsWith(TriggerMetrics.MeterName + ".", StringComparison.Ordinal);

    private static MeterProviderBuilder AddRuntimeInstrumentationIfAvailable(this MeterProviderBuilder metrics) =>
        metrics.AddMeter("System.Runtime");

    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.Select(e => new { name = e.Key, status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body), context.RequestAborted);
    }
}
