using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka;

/// <summary>How records of one partition may overtake each other on their way to the function.</summary>
public enum KafkaOrdering
{
    /// <summary>One record at a time per partition; partitions in parallel (default).</summary>
    Partition,

    /// <summary>Records with the same key in order; different keys (and keyless records) in parallel.</summary>
    Key,

    /// <summary>No order; up to <c>maxInFlight</c> records at once.</summary>
    Unordered,
}

/// <summary>One consumer: a (trigger, function) pair, its group, topics and delivery settings.</summary>
public sealed record KafkaSubscriptionPlan : SubscriptionPlan
{
    public required FunctionEndpoint Function { get; init; }

    public required IReadOnlyList<string> Topics { get; init; }

    /// <summary><c>NAMESPACE_TRIGGER_FUNCTION_TOPIC</c> (Kubeless) unless <c>spec.consumerGroup</c> names one.</summary>
    public required string GroupId { get; init; }

    public required AutoOffsetReset InitialOffset { get; init; }

    public required KafkaOrdering Ordering { get; init; }

    public required int MaxInFlight { get; init; }

    public required DeliveryPolicy Policy { get; init; }

    /// <summary>Where records go after the last attempt or when poison; null keeps retrying (retryable) or skips (poison).</summary>
    public string? DeadLetterTopic { get; init; }
}
