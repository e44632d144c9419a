using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;

namespace Triggers.Core.Sources;

/// <summary>
/// Passes to the cache only the triggers <c>Triggers:TriggerSelector</c> selects (worker pools);
/// Functions and Services pass untouched. A trigger whose labels stop matching is deleted from the
/// cache, so its subscriptions stop here and start on the pool it now belongs to.
/// </summary>
public sealed class TriggerSelectingSink(IResourceSink inner, LabelSelector selector) : IResourceSink
{
    public IReadOnlySet<ResourceKind> Kinds => inner.Kinds;

    /// <summary>Whether this kind is filtered: the three trigger kinds.</summary>
    public static bool IsTriggerKind(ResourceKind kind) =>
        kind == ResourceKind.NatsTrigger || kind == ResourceKind.KafkaTrigger || kind == ResourceKind.CronJobTrigger;

    public void Upsert(ResourceKind kind, IKubernetesObject<V1ObjectMeta> item)
    {
        if (Selected(kind, item))
        {
            inner.Upsert(kind, item);
        }
        else
        {
            inner.Delete(kind, ResourceKey.Of(item));
        }
    }

    public void Delete(ResourceKind kind, ResourceKey key) => inner.Delete(kind, key);

    public void Replace(ResourceKind kind, IEnumerable<IKubernetesObject<V1ObjectMeta>> items) =>
        inner.Replace(kind, items.Where(i => Selected(kind, i)));

    private bool Selected(ResourceKind kind, IKubernetesObject<V1ObjectMeta> item) =>
        !IsTriggerKind(kind) || selector.Matches(item.Metadata?.Labels);
}
