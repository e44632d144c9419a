namespace Triggers.Cron.Internal;

/// <summary><c>spec.concurrencyPolicy</c>: what a tick does while the previous call still runs.</summary>
internal enum ConcurrencyPolicy
{
    Forbid,
    Allow,
    Replace,
}
