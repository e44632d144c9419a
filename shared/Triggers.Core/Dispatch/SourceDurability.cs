namespace Triggers.Core.Dispatch;

/// <summary>Whether a source can hold an event and hand it out again (Kafka, JetStream) or not (core NATS, cron).</summary>
public enum SourceDurability
{
    /// <summary>The event lives only in the worker: after the in-process attempts it is dead-lettered or skipped.</summary>
    Transient,

    /// <summary>The source keeps the event until it is settled: a retryable failure is never dropped.</summary>
    Durable,
}
