namespace Triggers.Cron.Internal;

/// <summary>How a fire came about.</summary>
internal enum FireKind
{
    Scheduled,
    Late,
    RunNow,
}
