namespace Triggers.Kafka.Internal;

/// <summary>Every log line of the Kafka worker (event ids 4000-4999). Never logs record bodies or secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Consumer {Key} starting: group {GroupId}, topics {Topics}, ordering {Ordering}, maxInFlight {MaxInFlight}")]
    public static partial void ConsumerStarting(ILogger logger, string key, string groupId, string topics, KafkaOrdering ordering, int maxInFlight);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Consumer {Key} stopped")]
    public static partial void ConsumerStopped(ILogger logger, string key);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Error, Message = "Consumer {Key} failed; rebuilding it in {Delay}")]
    public static partial void ConsumerFailed(ILogger logger, string key, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Consumer {Key}: {Code} {Reason}")]
    public static partial void ClientError(ILogger logger, string key, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "Consumer {Key}: fatal error {Code} {Reason}; rebuilding the consumer")]
    public static partial void FatalError(ILogger logger, string key, Confluent.Kafka.ErrorCode code, string reason);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Consumer {Key}: assigned {Partitions}")]
    public static partial void Assigned(ILogger logger, string key, string partitions);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Consumer {Key}: gave up {Partitions} ({Why}); {Abandoned} records left unsettled for the next owner")]
    public static partial void Revoked(ILogger logger, string key, string why, string partitions, int abandoned);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Consumer {Key}: lost {Partitions} (no commit possible; their unsettled records will be redelivered)")]
    public static partial void Lost(ILogger logger, string key, string partitions);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Consumer {Key}: committing offsets failed: {Reason}")]
    public static partial void CommitFailed(ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Consumer {Key}: record {Topic}[{Partition}]@{Offset} not delivered ({Reason}, {Attempts} attempts); retrying in {Delay} (the partition or key waits)")]
    public static partial void Redelivering(ILogger logger, string key, string topic, int partition, long offset, string reason, int attempts, TimeSpan delay);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "Consumer {Key}: record {Topic}[{Partition}]@{Offset} rejected as poison ({Reason}); skipped (no dead-letter topic)")]
    public static partial void PoisonSkipped(ILogger logger, string key, string topic, int partition, long offset, string reason);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "Consumer {Key}: record {Topic}[{Partition}]@{Offset} dead-lettered to {DeadLetterTopic} ({Reason}, {Attempts} attempts)")]
    public static partial void DeadLettered(ILogger logger, string key, string topic, int partition, long offset, string deadLetterTopic, string reason, int attempts);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Consumer {Key}: writing to dead-letter topic {DeadLetterTopic} failed ({Reason}); retrying in {Delay}")]
    public static partial void DeadLetterFailed(ILogger logger, string key, string deadLetterTopic, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 4014, Level = LogLevel.Error, Message = "Consumer {Key}: dispatch of {Topic}[{Partition}]@{Offset} threw; retrying after a backoff")]
    public static partial void DispatchThrew(ILogger logger, string key, string topic, int partition, long offset, Exception exception);

    [LoggerMessage(EventId = 4015, Level = LogLevel.Debug, Message = "librdkafka {Name} [{Facility}] {Message}")]
    public static partial void LibraryDebug(ILogger logger, string name, string facility, string message);

    [LoggerMessage(EventId = 4016, Level = LogLevel.Information, Message = "librdkafka {Name} [{Facility}] {Message}")]
    public static partial void LibraryInfo(ILogger logger, string name, string facility, string message);

    [LoggerMessage(EventId = 4017, Level = LogLevel.Warning, Message = "librdkafka {Name} [{Facility}] {Message}")]
    public static partial void LibraryWarning(ILogger logger, string name, string facility, string message);

    [LoggerMessage(EventId = 4018, Level = LogLevel.Warning, Message = "Consumer {Key}: skipping record header {Header} (not a valid HTTP header name)")]
    public static partial void HeaderSkipped(ILogger logger, string key, string header);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Consumer {Key} did not stop within the grace period; leaving it to finish in the background")]
    public static partial void StopTimedOut(ILogger logger, string key);

    [LoggerMessage(EventId = 4021, Level = LogLevel.Error, Message = "Consumer {Key}: dispatching {Topic}[{Partition}] failed; its unsettled records wait for the next rebalance")]
    public static partial void FlowFailed(ILogger logger, string key, string topic, int partition, Exception exception);

    [LoggerMessage(EventId = 4019, Level = LogLevel.Warning, Message = "Consumer {Key}: could not store offset {Offset} of {Topic}[{Partition}]: {Reason}")]
    public static partial void StoreFailed(ILogger logger, string key, string topic, int partition, long offset, string reason);
}
