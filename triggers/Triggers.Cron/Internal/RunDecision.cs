namespace Triggers.Cron.Internal;

/// <summary>What a tick does while the previous call of its schedule may still run.</summary>
internal enum RunDecision
{
    Start,
    Skip,
    Replace,
}
