using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka;

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
