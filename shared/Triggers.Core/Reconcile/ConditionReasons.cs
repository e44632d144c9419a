namespace Triggers.Core.Reconcile;

/// <summary>Condition reasons shared by every worker: one failure has one reason, whichever worker reports it.</summary>
public static class ConditionReasons
{
    /// <summary>Functions match the selector but none has a usable address (bad <c>triggers/endpoint</c>, no port, ...).</summary>
    public const string InvalidFunctionEndpoint = "InvalidFunctionEndpoint";

    /// <summary>No Function in the trigger's namespace matches its selector.</summary>
    public const string NoMatchingFunctions = "NoMatchingFunctions";

    /// <summary><c>spec.delivery</c> holds a value out of range or not understood; the message names the field.</summary>
    public const string InvalidDelivery = "InvalidDelivery";

    /// <summary>A number or field of the spec outside <c>spec.delivery</c> is out of range; the message names the field.</summary>
    public const string InvalidSpec = "InvalidSpec";

    /// <summary>Planning the trigger threw; the message carries the error. Other triggers carry on.</summary>
    public const string PlanFailed = "PlanFailed";

    /// <summary>Starting one of the trigger's subscriptions failed; it is retried with backoff. Other triggers carry on.</summary>
    public const string SubscribeFailed = "SubscribeFailed";

    /// <summary>Degraded=True: handling a NATS message of the trigger threw unexpectedly; the message names the exception.</summary>
    public const string MessageHandlingFailed = "MessageHandlingFailed";

    /// <summary>Degraded=True: handling a Kafka record of the trigger threw unexpectedly; the record is tried again.</summary>
    public const string RecordHandlingFailed = "RecordHandlingFailed";

    /// <summary>Degraded=True: recording, firing or delivering a cron tick of the trigger threw unexpectedly.</summary>
    public const string TickHandlingFailed = "TickHandlingFailed";

    /// <summary>Degraded=False: the trigger's events are handled again (or the subscription that failed stopped).</summary>
    public const string Recovered = "Recovered";
}
