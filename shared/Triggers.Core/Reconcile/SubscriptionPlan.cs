using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// One running unit of work of a worker (a subscription, a consumer, a schedule). The reconciler
/// starts it again only when <see cref="Revision"/> changes.
/// </summary>
public abstract record SubscriptionPlan
{
    /// <summary>Stable identity, e.g. <c>namespace/trigger/function</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The trigger this plan belongs to.</summary>
    public required ResourceKey Trigger { get; init; }

    /// <summary>Changes whenever anything the running subscription depends on changes.</summary>
    public required string Revision { get; init; }
}
