namespace Triggers.Cron.Internal;

/// <summary>Whether this replica fires: set by the leadership service, read on every tick, fire and status write.</summary>
internal sealed class CronLeaderGate
{
    private volatile bool _leading;

    public bool IsLeader => _leading;

    public void Lead() => _leading = true;

    /// <summary>Stops every fire from here on at once; safe to call from any thread, any number of times.</summary>
    public void StepDown() => _leading = false;
}
