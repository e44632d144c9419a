using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Kafka;

/// <summary>Registers the Kafka worker on top of the shared defaults.</summary>
public static class KafkaWorkerRegistration
{
    /// <summary>Adds <c>Kafka:*</c> options (validated at start), the KafkaTrigger planner and consumers, and the Kafka readiness check.</summary>
    public static IHostApplicationBuilder AddKafkaTriggers(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<KafkaOptions>()
            .Bind(builder.Configuration.GetSection(KafkaOptions.Section))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KafkaOptions>, KafkaOptionsValidator>());

        // Shutdown must leave room for in-flight POSTs to finish within the grace period and commit.
        var grace = builder.Configuration.GetValue<TimeSpan?>($"{KafkaOptions.Section}:{nameof(KafkaOptions.RevokeGracePeriod)}") ?? new KafkaOptions().RevokeGracePeriod;
        services.Configure<HostOptions>(o => o.ShutdownTimeout = o.ShutdownTimeout > grace + TimeSpan.FromSeconds(10) ? o.ShutdownTimeout : grace + TimeSpan.FromSeconds(10));
        services.AddTriggerReconciler<KafkaTrigger, KafkaSubscriptionPlan, KafkaTriggerPlanner, KafkaSubscriptionSet>();
        services.AddHealthChecks().AddCheck<KafkaHealthCheck>("kafka", tags: [TriggersHostExtensions.ReadyTag]);
        return builder;
    }
}
