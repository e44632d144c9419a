using k8s;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Triggers.Core.Reconcile;
using Triggers.Core.Sources;

namespace Triggers.Core.Kubernetes;

/// <summary>Registers the Kubernetes resource source, client and status writer.</summary>
public static class KubernetesRegistration
{
    /// <summary>
    /// Adds <see cref="IKubernetes"/> (from <see cref="KubernetesClientFactory"/>), the list/watch
    /// <see cref="KubernetesResourceSource"/>, and the <see cref="KubernetesStatusWriter"/>
    /// (or none when <c>Triggers:WriteStatus</c> is false). Existing registrations win, so tests can
    /// supply their own client.
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
        return services;
    }
}
