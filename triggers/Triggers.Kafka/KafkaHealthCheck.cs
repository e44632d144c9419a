using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Triggers.Kafka;

/// <summary>Part of <c>/readyz</c>: unhealthy while any running consumer cannot reach a broker.</summary>
public sealed class KafkaHealthCheck(KafkaSubscriptionSet subscriptions) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var disconnected = subscriptions.Disconnected;
        if (disconnected.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{subscriptions.Count} consumers connected"));
        }

        var detail = string.Join("; ", disconnected.Take(5).Select(d => $"{d.Key}: {d.Detail}"));
        return Task.FromResult(HealthCheckResult.Unhealthy($"{disconnected.Count} of {subscriptions.Count} consumers cannot reach Kafka: {detail}"));
    }
}
