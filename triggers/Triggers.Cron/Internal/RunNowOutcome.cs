namespace Triggers.Cron.Internal;

/// <summary>How a run-now request ended.</summary>
internal enum RunNowOutcome
{
    Fired,
    NotFound,
    Refused,
}
