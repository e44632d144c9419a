using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;

namespace Triggers.Core.Sources;

/// <summary>An immutable view of the <see cref="ResourceCache"/>.</summary>
public sealed class ResourceSnapshot
{
    private readonly Dictionary<ResourceKind, ImmutableDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>> _items;
    private Dictionary<string, Function[]>? _functionsByNamespace;
    private Dictionary<string, LabelIndex<Function>>? _functionIndexes;

    internal ResourceSnapshot(long version, Dictionary<ResourceKind, ImmutableDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>> items, bool synced)
    {
        Version = version;
        _items = items;
        IsSynced = synced;
    }

    public long Version { get; }

    public bool IsSynced { get; }

    public IEnumerable<T> All<T>(ResourceKind kind) =>
        _items.TryGetValue(kind, out var items) ? items.Values.OfType<T>() : [];

    public int Count(ResourceKind kind) => _items.TryGetValue(kind, out var items) ? items.Count : 0;

    public T? Get<T>(ResourceKind kind, ResourceKey key)
        where T : class =>
        _items.TryGetValue(kind, out var items) && items.TryGetValue(key, out var item) ? item as T : null;

    /// <summary>The Functions of one namespace (built once per snapshot).</summary>
    public IReadOnlyList<Function> FunctionsIn(string @namespace)
    {
        var index = _functionsByNamespace;
        if (index is null)
        {
            index = All<Function>(ResourceKind.Function)
                .GroupBy(f => f.Namespace, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.OrderBy(f => f.Name, StringComparer.Ordinal).ToArray(), StringComparer.Ordinal);
            _functionsByNamespace = index;
        }

        return index.TryGetValue(@namespace, out var functions) ? functions : [];
    }

    /// <summary>
    /// The Functions of one namespace that <paramref name="selector"/> matches, in name order: the
    /// same as filtering <see cref="FunctionsIn"/> with <see cref="LabelSelector.Matches"/>, but
    /// through a label index (built once per snapshot), so a pass over many triggers is not
    /// triggers x functions.
    /// </summary>
    public IReadOnlyList<Function> FunctionsMatching(string @namespace, LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return [];
        }

        var indexes = _functionIndexes;
        if (indexes is null)
        {
            FunctionsIn(@namespace);
            indexes = _functionsByNamespace!.ToDictionary(
                p => p.Key,
                p => new LabelIndex<Function>(p.Value, f => f.Metadata?.Labels),
                StringComparer.Ordinal);
            _functionIndexes = indexes;
        }

        return indexes.TryGetValue(@namespace, out var index) ? index.Select(selector) : [];
    }
}
