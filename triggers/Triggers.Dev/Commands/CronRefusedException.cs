namespace Triggers.Dev.Commands;

/// <summary>The cron worker refused a run-now for now (409: the previous call still runs, or it is not the leader).</summary>
internal sealed class CronRefusedException(string message) : InvalidOperationException(message);
