using System.Collections.Immutable;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Sources;

/// <summary>
/// The watched state of the world: every Function, Service and trigger of the worker's kinds,
/// keyed by namespace/name. Readers take immutable snapshots; writers signal a change version.
/// </summary>
public sealed class ResourceCache : IResourceSink
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKind, ImmutableDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>> _items = [];
    private readonly HashSet<ResourceKind> _synced = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _version;
    private ResourceSnapshot? _snapshot;

    public ResourceCache(IEnumerable<ResourceKind> kinds)
    {
        Kinds = kinds.ToHashSet();
        foreach (var kind in Kinds)
        {
            _items[kind] = ImmutableDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>.Empty;
        }
    }

    public IReadOnlySet<ResourceKind> Kinds { get; }

    /// <summary>True once every watched kind has been listed in full at least once.</summary>
    public bool IsSynced
    {
        get
        {
            lock (_gate)
            {
                return _synced.Count == Kinds.Count;
            }
        }
    }

    public long Version => Interlocked.Read(ref _version);

    public void Upsert(ResourceKind kind, IKubernetesObject<V1ObjectMeta> item)
    {
        if (!Kinds.Contains(kind))
        {
            return;
        }

        lock (_gate)
        {
            var key = ResourceKey.Of(item);
            var current = _items[kind];
            if (current.TryGetValue(key, out var existing) && SameVersion(existing, item))
            {
                return;
            }

            _items[kind] = current.SetItem(key, item);
            SignalLocked();
        }
    }

    public void Delete(ResourceKind kind, ResourceKey key)
    {
        if (!Kinds.Contains(kind))
        {
            return;
        }

        lock (_gate)
        {
            var current = _items[kind];
            if (!current.ContainsKey(key))
            {
                return;
            }

            _items[kind] = current.Remove(key);
            SignalLocked();
        }
    }

    public void Replace(ResourceKind kind, IEnumerable<IKubernetesObject<V1ObjectMeta>> items)
    {
        if (!Kinds.Contains(kind))
        {
            return;
        }

        var builder = ImmutableDictionary.CreateBuilder<ResourceKey, IKubernetesObject<V1ObjectMeta>>();
        foreach (var item in items)
        {
            builder[ResourceKey.Of(item)] = item;
        }

        lock (_gate)
        {
            _items[kind] = builder.ToImmutable();
            _synced.Add(kind);
            SignalLocked();
        }
    }

    /// <summary>An immutable view of the cache as of now.</summary>
    public ResourceSnapshot Snapshot()
    {
        lock (_gate)
        {
            return _snapshot ??= new ResourceSnapshot(_version, new Dictionary<ResourceKind, ImmutableDictionary<ResourceKey, IKubernetesObject<V1ObjectMeta>>>(_items), _synced.Count == Kinds.Count);
        }
    }

    /// <summary>Completes when the cache version moves past <paramref name="seenVersion"/>.</summary>
    public Task WaitForChangeAsync(long seenVersion, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_gate)
        {
            if (_version != seenVersion)
            {
                return Task.CompletedTask;
            }

            changed = _changed.Task;
        }

        return changed.WaitAsync(cancellationToken);
    }

    private static bool SameVersion(IKubernetesObject<V1ObjectMeta> a, IKubernetesObject<V1ObjectMeta> b) =>
        ReferenceEquals(a, b) ||
        (a.Metadata?.ResourceVersion is { } va && va == b.Metadata?.ResourceVersion && a.Metadata?.Uid == b.Metadata?.Uid);

    private void SignalLocked()
    {
        _version++;
        _snapshot = null;
        var previous = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        previous.TrySetResult();
    }
}
