
namespace Triggers.Nats.Internal;

/// <summary>Log messages of the NATS worker (event ids 3000-3999). Never logs message bodies or credentials.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Connected to NATS at {Url}")]
    public static partial void Connected(ILogger logger, string url);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Disconnected from NATS; reconnecting")]
    public static partial void Disconnected(ILogger logger);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Reconnect to NATS failed; retrying with backoff")]
    public static partial void ReconnectFailed(ILogger logger);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "Initial connection to NATS failed; retrying in the background")]
    public static partial void InitialConnectFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Slow consumer on subject {Subject}: the client buffer of the subscription is full, reading from the server is paused")]
    public static partial void SlowConsumer(ILogger logger, string subject);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Message on subject {Subject} dropped by the NATS client ({Pending} pending)")]
    public static partial void MessageDropped(ILogger logger, string subject, int pending);

    [LoggerMessage(EventId = 3020, Level = LogLevel.Information, Message = "Subscription {Key} listening on {Subject} (queue group {QueueGroup}, maxInFlight {MaxInFlight})")]
    public static partial void Subscribed(ILogger logger, string key, string subject, string queueGroup, int maxInFlight);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Subscription {Key} consuming JetStream stream {Stream} through consumer {Consumer} (maxInFlight {MaxInFlight})")]
    public static partial void Consuming(ILogger logger, string key, string stream, string consumer, int maxInFlight);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Information, Message = "Subscription {Key} drained")]
    public static partial void Drained(ILogger logger, string key);

    [LoggerMessage(EventId = 3023, Level = LogLevel.Warning, Message = "Subscription {Key} did not drain within {Timeout}; abandoning in-flight work")]
    public static partial void DrainTimedOut(ILogger logger, string key, TimeSpan timeout);

    [LoggerMessage(EventId = 3024, Level = LogLevel.Warning, Message = "JetStream consumer {Consumer} of subscription {Key} failed; retrying in {Delay}")]
    public static partial void ConsumeFailed(ILogger logger, string key, string consumer, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 3030, Level = LogLevel.Warning, Message = "Event {EventId} on {Subject} not delivered to {Function}: {Reason} after {Attempts} attempt(s); sent to dead-letter subject {DeadLetterSubject}")]
    public static partial void DeadLettered(ILogger logger, string eventId, string subject, string function, string reason, int attempts, string deadLetterSubject);

    [LoggerMessage(EventId = 3031, Level = LogLevel.Error, Message = "Event {EventId} on {Subject} not delivered to {Function}: {Reason} after {Attempts} attempt(s); no spec.delivery.deadLetterSubject, event discarded")]
    public static partial void Discarded(ILogger logger, string eventId, string subject, string function, string reason, int attempts);

    [LoggerMessage(EventId = 3032, Level = LogLevel.Error, Message = "Publishing event {EventId} to dead-letter subject {DeadLetterSubject} failed")]
    public static partial void DeadLetterFailed(ILogger logger, string eventId, string deadLetterSubject, Exception exception);

    [LoggerMessage(EventId = 3033, Level = LogLevel.Debug, Message = "Event {EventId} to {Function}: {Reason} (delivery {Attempt} of {MaxDeliver}); redelivery in {Delay}")]
    public static partial void Nacked(ILogger logger, string eventId, string function, string reason, int attempt, int maxDeliver, TimeSpan delay);

    [LoggerMessage(EventId = 3034, Level = LogLevel.Warning, Message = "Settling event {EventId} with JetStream failed; it will be redelivered")]
    public static partial void SettleFailed(ILogger logger, string eventId, Exception exception);

    [LoggerMessage(EventId = 3035, Level = LogLevel.Warning, Message = "Replying to the request of event {EventId} failed")]
    public static partial void ReplyFailed(ILogger logger, string eventId, Exception exception);

    [LoggerMessage(EventId = 3036, Level = LogLevel.Error, Message = "Handling a message of subscription {Key} failed unexpectedly")]
    public static partial void HandlerFailed(ILogger logger, string key, Exception exception);

    [LoggerMessage(EventId = 3026, Level = LogLevel.Error, Message = "Subscription {Key} ended without being stopped (closed by the server or the client); it restarts when its trigger or function changes")]
    public static partial void SubscriptionEnded(ILogger logger, string key);

    [LoggerMessage(EventId = 3039, Level = LogLevel.Warning, Message = "Not replying to the request of event {EventId}: reply subject {ReplyTo} is neither an inbox nor a subject the trigger may use (Nats:AllowedSubjects)")]
    public static partial void ReplyRefused(ILogger logger, string eventId, string replyTo);

    [LoggerMessage(EventId = 3012, Level = LogLevel.Warning, Message = "Subscription {Key} on {Subject} is full ({PendingMessages} messages, {PendingBytes} bytes buffered): dropped {Dropped} newest message(s) since the last warning; core NATS is at-most-once, use JetStream for no loss")]
    public static partial void SubscriptionDropping(ILogger logger, string key, string subject, long dropped, int pendingMessages, long pendingBytes);

    [LoggerMessage(EventId = 3090, Level = LogLevel.Information, Message = "Subscription {Key}: its trigger was deleted, so its JetStream consumer {Stream}/{Consumer} was deleted")]
    public static partial void ConsumerDeleted(ILogger logger, string key, string stream, string consumer);

    [LoggerMessage(EventId = 3037, Level = LogLevel.Warning, Message = "Event {EventId} to {Function}: dead-letter subject {DeadLetterSubject} did not acknowledge ({Reason}); the event stays in stream {Stream} and is tried again in {Delay}")]
    public static partial void DeadLetterNotAcknowledged(ILogger logger, string eventId, string function, string deadLetterSubject, string reason, string stream, TimeSpan delay);

    [LoggerMessage(EventId = 3038, Level = LogLevel.Error, Message = "Event {EventId} on {Subject} not delivered to {Function}: {Reason}; the dead letter to {DeadLetterSubject} failed too and core NATS cannot hold the event: lost")]
    public static partial void DeadLetterLost(ILogger logger, string eventId, string subject, string function, string reason, string deadLetterSubject);
}
