using Triggers.Core.Reconcile;

namespace Triggers.Core.Tests.Reconcile;

/// <summary>A minimal worker over NATSTriggers: one plan per (trigger, function), recorded instead of subscribed.</summary>
public sealed record TestPlan : SubscriptionPlan
{
    public required string Topic { get; init; }

    public required Uri Url { get; init; }
}
