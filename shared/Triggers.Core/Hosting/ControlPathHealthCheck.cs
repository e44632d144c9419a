using Microsoft.Extensions.Diagnostics.HealthChecks;
using Triggers.Core.Reconcile;
using Triggers.Core.Sources;

namespace Triggers.Core.Hosting;

/// <summary>Ready once the first full sync of resources is done and every valid trigger is running.</summary>
public sealed class ControlPathHealthCheck(ResourceCache cache, ReconcilerState state) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!cache.IsSynced)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("waiting for the first full sync of resources"));
        }

        return Task.FromResult(state.IsReady ? HealthCheckResult.Healthy(state.Detail) : HealthCheckResult.Unhealthy(state.Detail));
    }
}
