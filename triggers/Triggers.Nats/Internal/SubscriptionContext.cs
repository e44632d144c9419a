using System.Collections.Concurrent;
using System.Diagnostics;
using Triggers.Core.Hosting;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Nats.Internal;

/// <summary>The context of one running subscription that every message of it shares.</summary>
internal sealed record SubscriptionContext(NatsSubscriptionPlan Plan, TagList Tags, string Source, SubscriptionHealth Health)
{
    /// <summary>Log scope of every message of the subscription: which trigger and function it serves.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> LogScope { get; } =
    [
        new("Trigger", Plan.Trigger.ToString()),
        new("Function", $"{Plan.Function.Namespace}/{Plan.Function.Name}"),
        new("Subject", Plan.Subject),
    ];

    /// <summary>
    /// JetStream: deliveries per stream sequence that did not count as attempts (an open circuit
    /// breaker refused them), so they do not bring the dead letter nearer. Held in memory: after a
    /// restart such deliveries count again, which can only dead-letter sooner, never lose.
    /// </summary>
    public ConcurrentDictionary<ulong, int> Uncounted { get; } = new();

    public static SubscriptionContext For(NatsSubscriptionPlan plan, SubscriptionHealth health) =>
        new(plan,
            TriggerMetrics.Tags(NatsTrigger.KindName, plan.Trigger, plan.Function),
            $"/apis/kubeless.io/v1beta1/namespaces/{plan.Trigger.Namespace}/natstriggers/{plan.Trigger.Name}",
            health);
}
