using Triggers.Core.Kubernetes;
using Triggers.Core.Reconcile;

namespace Triggers.Cron.Internal;

/// <summary>
/// Runs the leader election (Core's elector: a Lease in Kubernetes mode, always leading otherwise)
/// for the life of the worker. Gaining the lead asks the reconciler for a full pass, which schedules
/// every trigger; losing it, or a graceful stop, steps the scheduler down (no tick starts, what was
/// recorded is settled) before the elector lets the Lease go, so the next leader fires the next tick.
/// A stop with no time left (the host's token already cancelled) abandons the Lease as a crash would.
/// </summary>
internal sealed class CronLeadershipService(
    ILeaderElector elector,
    CronScheduler scheduler,
    ReconcilerState reconciler,
    IHostApplicationLifetime lifetime,
    ILogger<CronLeadershipService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abandon = new();
    private CancellationTokenRegistration _stopping;
    private Task? _running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // No tick may start once shutdown has begun, however long the rest of the shutdown takes.
        _stopping = lifetime.ApplicationStopping.Register(scheduler.StepDownNow);
        _running = Task.Run(RunAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            await _abandon.CancelAsync().ConfigureAwait(false);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_running is { } running)
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _stop.Dispose();
        _abandon.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await elector.RunAsync(LeadAsync, scheduler.StepDownNow, _stop.Token, _abandon.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.ElectionError(logger, e.Message);
        }
    }

    private async Task LeadAsync(CancellationToken term)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return;
        }

        scheduler.Lead();
        Log.Elected(logger, elector.Identity);
        reconciler.RequestFullPass();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, term).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (term.IsCancellationRequested)
        {
        }
        finally
        {
            await scheduler.StepDownAsync(CancellationToken.None).ConfigureAwait(false);
            // A graceful stop (rolling update, Ctrl+C) is routine; a lost Lease while running is not.
            if (_stop.IsCancellationRequested || lifetime.ApplicationStopping.IsCancellationRequested)
            {
                Log.SteppedDownForStop(logger, elector.Identity);
            }
            else
            {
                Log.Demoted(logger, elector.Identity);
            }
        }
    }
}
