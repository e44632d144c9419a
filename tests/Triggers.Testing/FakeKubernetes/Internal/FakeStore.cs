using System.Globalization;
using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>
/// The state of the fake API server: objects by resource, a global monotonically increasing
/// resourceVersion, a bounded history of changes for watches to resume from, and the open watches.
/// Every mutation and its fan-out to watches happen under one lock, so no watch misses or reorders an event.
/// </summary>
internal sealed partial class FakeStore(TimeProvider time)
{
    private const int MaxHistory = 10_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Group, string Plural), SortedDictionary<string, JsonObject>> _objects = [];
    private readonly List<StoreChange> _history = [];
    private readonly List<WatchStream> _watches = [];
    private long _resourceVersion = 1000;
    private long _oldestResumable = 1000;

    public long ResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    public int OpenWatches
    {
        get
        {
            lock (_gate)
            {
                return _watches.Count;
            }
        }
    }

    public StoreResult Get(FakeResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            return Objects(type).TryGetValue(Key(@namespace, name), out var obj)
                ? new(200, (JsonObject)obj.DeepClone())
                : NotFound(type, name);
        }
    }

    public StoreResult List(FakeResourceType type, string? @namespace, Selectors selectors, long? resourceVersion, string? resourceVersionMatch)
    {
        lock (_gate)
        {
            if (resourceVersion is { } rv && rv < _oldestResumable && string.Equals(resourceVersionMatch, "Exact", StringComparison.Ordinal))
            {
                return Expired(rv);
            }

            var items = new JsonArray();
            foreach (var obj in Objects(type).Values)
            {
                if ((@namespace is null || NamespaceOf(obj) == @namespace) && selectors.Matches(obj))
                {
                    var item = (JsonObject)obj.DeepClone();
                    if (!type.IsCustom)
                    {
                        // Built-in lists carry apiVersion and kind on the list only, as the real server does.
                        item.Remove("apiVersion");
                        item.Remove("kind");
                    }

                    items.Add(item);
                }
            }

            return new(200, new JsonObject
            {
                ["kind"] = type.Kind + "List",
                ["apiVersion"] = type.ApiVersion,
                ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                ["items"] = items,
            });
        }
    }

    public StoreResult Create(FakeResourceType type, string @namespace, JsonObject body)
    {
        lock (_gate)
        {
            var obj = (JsonObject)body.DeepClone();
            var metadata = obj["metadata"] as JsonObject ?? [];
            obj["metadata"] = metadata;
            var name = (string?)metadata["name"];
            if (string.IsNullOrEmpty(name) && (string?)metadata["generateName"] is { Length: > 0 } prefix)
            {
                name = prefix + Guid.NewGuid().ToString("N")[..5];
            }

            if (string.IsNullOrEmpty(name))
            {
                return new(422, Status(422, "Invalid", $"{type.Kind} \"\" is invalid: metadata.name: Required value: name or generateName is required", type, ""));
            }

            if ((string?)metadata["namespace"] is { Length: > 0 } bodyNamespace && bodyNamespace != @namespace)
            {
                return new(400, Status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"));
            }

            var objects = Objects(type);
            if (objects.ContainsKey(Key(@namespace, name)))
            {
                return new(409, Status(409, "AlreadyExists", $"{type.QualifiedResource} \"{name}\" already exists", type, name));
            }

            obj["apiVersion"] = type.ApiVersion;
            obj["kind"] = type.Kind;
            metadata["name"] = name;
            metadata["namespace"] = @namespace;
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp();
            metadata["generation"] = 1L;
            metadata["resourceVersion"] = Rv(++_resourceVersion);
            metadata.Remove("deletionTimestamp");
            metadata.Remove("deletionGracePeriodSeconds");
            if (type.HasStatusSubresource)
            {
                // With a status subresource the main endpoint ignores status, on create too.
                obj.Remove("status");
            }

            objects[Key(@namespace, name)] = obj;
            PublishLocked(new(_resourceVersion, type, "ADDED", obj, null));
            return new(201, (JsonObject)obj.DeepClone());
        }
    }

    /// <summary>Creates or overwrites an object without preconditions (test seeding; works while the server is stopped).</summary>
    public JsonObject Apply(FakeResourceType type, JsonObject obj)
    {
        lock (_gate)
        {
            var @namespace = NamespaceOf(obj);
            var name = NameOf(obj);
            if (Objects(type).TryGetValue(Key(@namespace, name), out var current))
            {
                var proposed = (JsonObject)obj.DeepClone();
                proposed["metadata"]!["resourceVersion"] = current["metadata"]?["resourceVersion"]?.DeepClone();
                var updated = UpdateLocked(type, @namespace, name, proposed, status: false);
                if (type.HasStatusSubresource && obj["status"] is not null)
                {
                    updated = UpdateLocked(type, @namespace, name, proposed, status: true);
                }

                return updated.Body;
            }

            var created = Create(type, @namespace, obj);
            if (created.IsSuccess && type.HasStatusSubresource && obj["status"] is not null)
            {
                return UpdateLocked(type, @namespace, name, obj, status: true).Body;
            }

            return created.Body;
        }
    }

    public IReadOnlyList<JsonObject> Snapshot(FakeResourceType type)
    {
        lock (_gate)
        {
            return Objects(type).Values.Select(o => (JsonObject)o.DeepClone()).ToArray();
        }
    }

    private SortedDictionary<string, JsonObject> Objects(FakeResourceType type)
    {
        if (!_objects.TryGetValue((type.Group, type.Plural), out var objects))
        {
            objects = new(StringComparer.Ordinal);
            _objects[(type.Group, type.Plural)] = objects;
        }

        return objects;
    }

    private static string Key(string @namespace, string name) => @namespace + "/" + name;

    private static string Rv(long value) => value.ToString(CultureInfo.InvariantCulture);

    private string Timestamp() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
