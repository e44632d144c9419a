using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Nats;

/// <summary>One (trigger, function) pair to run: the subject, its queue group, where to POST and how to settle.</summary>
public sealed record NatsSubscriptionPlan : SubscriptionPlan
{
    /// <summary>The trigger's <c>spec.topic</c>; may hold <c>*</c> and <c>&gt;</c> wildcards.</summary>
    public required string Subject { get; init; }

    /// <summary>Kubeless queue group <c>NAMESPACE_TRIGGER_FUNCTION_TOPIC</c>, shared by replicas of the worker.</summary>
    public required string QueueGroup { get; init; }

    public required FunctionEndpoint Function { get; init; }

    public required DeliveryPolicy Policy { get; init; }

    /// <summary>Concurrent POSTs of this subscription.</summary>
    public required int MaxInFlight { get; init; }

    public string? DeadLetterSubject { get; init; }

    /// <summary>The subjects the trigger's namespace may use; request-reply answers go only to inboxes or these.</summary>
    public NatsSubjectScope? Scope { get; init; }

    /// <summary>Set when the trigger consumes through a JetStream durable pull consumer.</summary>
    public JetStreamPlan? JetStream { get; init; }
}
