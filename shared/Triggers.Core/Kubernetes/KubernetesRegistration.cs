using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Triggers.Core.Reconcile;
using Triggers.Core.Sources;

namespace Triggers.Core.Kubernetes;

/// <summary>Registers the Kubernetes resource source, client and status writer.</summary>
public static class KubernetesRegistration
{
    /// <summary>
    /// Adds <see cref="IKubernetes"/> (from <see cref="KubernetesClientFactory"/>), the list/watch
    /// <see cref="KubernetesResourceSource"/>, the <see cref="KubernetesStatusWriter"/> (or none when
    /// <c>Triggers:WriteStatus</c> is false), and the <see cref="KubernetesTriggerFinalizer"/> that
    /// lets deleted triggers go. Existing registrations win, so tests can supply their own client.
    /// </summary>
    public static IServiceCollection AddTriggersKubernetes(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(sp.GetRequiredService<IOptions<TriggersOptions>>().Value));
        services.TryAddSingleton<KubernetesResourceSource>();
        services.TryAddSingleton<IResourceSource>(sp => sp.GetRequiredService<KubernetesResourceSource>());
        services.TryAddSingleton<KubernetesStatusWriter>();
        services.TryAddSingleton<ITriggerStatusWriter>(sp => sp.GetRequiredService<IOptions<TriggersOptions>>().Value.WriteStatus
            ? sp.GetRequiredService<KubernetesStatusWriter>()
            : new NullTriggerStatusWriter());
        services.TryAddSingleton<ITriggerFinalizer, KubernetesTriggerFinalizer>();
        return services;
    }

    /// <summary>
    /// Adds <see cref="ILeaderElector"/>: a Lease-based <see cref="KubernetesLeaderElector"/> when
    /// <c>Triggers:Source</c> is Kubernetes and <c>Triggers:LeaderElection:Enabled</c> is not false,
    /// else <see cref="SingleInstanceLeaderElector"/>. <paramref name="defaultLeaseName"/> is used when
    /// <c>Triggers:LeaderElection:LeaseName</c> is not set.
    /// </summary>
    public static IHostApplicationBuilder AddTriggersLeaderElection(this IHostApplicationBuilder builder, string defaultLeaseName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        services.AddOptions<LeaderElectionOptions>()
            .Bind(builder.Configuration.GetSection(LeaderElectionOptions.Section))
            .PostConfigure(o => o.LeaseName ??= defaultLeaseName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LeaderElectionOptions>, LeaderElectionOptionsValidator>());

        var source = builder.Configuration[$"{TriggersOptions.Section}:{nameof(TriggersOptions.Source)}"];
        var kubernetes = string.IsNullOrEmpty(source) || string.Equals(source, nameof(SourceKind.Kubernetes), StringComparison.OrdinalIgnoreCase);
        var enabled = !string.Equals(builder.Configuration[$"{LeaderElectionOptions.Section}:{nameof(LeaderElectionOptions.Enabled)}"], "false", StringComparison.OrdinalIgnoreCase);
        if (kubernetes && enabled)
        {
            services.TryAddSingleton(TimeProvider.System);
            services.TryAddSingleton<IKubernetes>(sp => KubernetesClientFactory.Create(sp.GetRequiredService<IOptions<TriggersOptions>>().Value));
            services.TryAddSingleton<ILeaderElector, KubernetesLeaderElector>();
        }
        else
        {
            services.TryAddSingleton<ILeaderElector, SingleInstanceLeaderElector>();
        }

        return builder;
    }
}
