
namespace Triggers.Nats.Internal;

/// <summary>Opens the NATS connection at start without blocking it: a broker outage delays readiness, never the process.</summary>
internal sealed class NatsConnectionService(NatsConnectionHolder connection, ILogger<NatsConnectionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // With RetryOnInitialConnect the client keeps trying in the background after a failure.
            await connection.Connection.ConnectAsync().AsTask().WaitAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.InitialConnectFailed(logger, e);
        }
    }
}
