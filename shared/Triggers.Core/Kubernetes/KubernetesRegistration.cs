using Microsoft.Extensions.DependencyInjection;

namespace Triggers.Core.Kubernetes;

/// <summary>Registers the Kubernetes resource source, client and status writer.</summary>
public static class KubernetesRegistration
{
    public static IServiceCollection AddTriggersKubernetes(this IServiceCollection services)
    {
        // Filled in by the Kubernetes source work (issue 2, part 4 and 8).
        throw new NotSupportedException("Triggers:Source=Kubernetes is not available in this build yet.");
    }
}
