
namespace Triggers.Cron.Internal;

/// <summary>Every log line of the cron worker (event ids 5000-5999).</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Scheduled {Key}: {Schedule}, next fire {Next}")]
    public static partial void Scheduled(ILogger logger, string key, string schedule, DateTimeOffset? next);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information, Message = "Unscheduled {Key}")]
    public static partial void Unscheduled(ILogger logger, string key);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Debug, Message = "Tick {Key} scheduled for {Scheduled} fired {Lateness} late (event {EventId})")]
    public static partial void Fired(ILogger logger, string key, DateTimeOffset scheduled, TimeSpan lateness, string eventId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Warning, Message = "Tick {Key} scheduled for {Scheduled} skipped: the previous call still runs (concurrencyPolicy Forbid)")]
    public static partial void SkippedForbid(ILogger logger, string key, DateTimeOffset scheduled);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Tick {Key} scheduled for {Scheduled} replaces the call still running (concurrencyPolicy Replace)")]
    public static partial void Replacing(ILogger logger, string key, DateTimeOffset scheduled);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "{Key}: {Missed} tick(s) missed since {Since} (beyond spec.startingDeadlineSeconds or superseded)")]
    public static partial void Missed(ILogger logger, string key, int missed, DateTimeOffset since);

    [LoggerMessage(EventId = 5007, Level = LogLevel.Information, Message = "{Key}: firing missed tick {Scheduled} late, {Lateness} after it was due")]
    public static partial void CatchUp(ILogger logger, string key, DateTimeOffset scheduled, TimeSpan lateness);

    [LoggerMessage(EventId = 5008, Level = LogLevel.Information, Message = "{Key}: run-now annotation set to \"{Value}\"; firing once")]
    public static partial void RunNow(ILogger logger, string key, string value);

    [LoggerMessage(EventId = 5009, Level = LogLevel.Warning, Message = "Tick {Key} (event {EventId}) was not delivered to {Function}: {Reason} after {Attempts} attempt(s)")]
    public static partial void NotDelivered(ILogger logger, string key, string eventId, string function, string reason, int attempts);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Error, Message = "Tick {Key} failed")]
    public static partial void TickFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information, Message = "This replica ({Identity}) is now the cron leader; scheduling every trigger")]
    public static partial void Elected(ILogger logger, string identity);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Warning, Message = "This replica ({Identity}) stopped leading cron; every schedule removed from Quartz")]
    public static partial void Demoted(ILogger logger, string identity);

    [LoggerMessage(EventId = 5013, Level = LogLevel.Information, Message = "This replica ({Identity}) is stopping: it stopped leading cron and hands the Lease over")]
    public static partial void SteppedDownForStop(ILogger logger, string identity);

    [LoggerMessage(EventId = 5014, Level = LogLevel.Warning, Message = "Leader election error: {Error}")]
    public static partial void ElectionError(ILogger logger, string error);

    [LoggerMessage(EventId = 5015, Level = LogLevel.Warning, Message = "Writing status of {Trigger} failed: {Error}")]
    public static partial void StatusWriteFailed(ILogger logger, string trigger, string error);

    [LoggerMessage(EventId = 5016, Level = LogLevel.Warning, Message = "Cron state file {Path} could not be {Action}: {Error}")]
    public static partial void StateFileError(ILogger logger, string path, string action, string error);

    [LoggerMessage(EventId = 5018, Level = LogLevel.Warning, Message = "{Count} tick(s) were handed over more than {Threshold} after they were due and are counted as missed: the worker is not keeping up")]
    public static partial void Misfired(ILogger logger, int count, TimeSpan threshold);

    [LoggerMessage(EventId = 5017, Level = LogLevel.Information, Message = "Triggers:StatePath is not set; last-fire times are kept in memory only, so missed ticks are not recovered after a restart")]
    public static partial void NoStateFile(ILogger logger);
}
