using Microsoft.Extensions.Diagnostics.HealthChecks;
using NATS.Client.Core;
using Triggers.Nats.Internal;

namespace Triggers.Nats;

/// <summary>Part of <c>/readyz</c>: ready only while the NATS connection is open.</summary>
internal sealed class NatsConnectionHealthCheck(NatsConnectionHolder connection) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = connection.Connection.ConnectionState;
        return Task.FromResult(state == NatsConnectionState.Open
            ? HealthCheckResult.Healthy("connected to NATS")
            : HealthCheckResult.Unhealthy($"NATS connection is {state}"));
    }
}
