using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>The answer of a store operation: an HTTP status code and the JSON body (an object, a list or a <c>Status</c>).</summary>
internal readonly record struct StoreResult(int Code, JsonObject Body)
{
    public bool IsSuccess => Code is >= 200 and < 300;
}

/// <summary>One change in the history that watches replay from.</summary>
internal sealed record StoreChange(long ResourceVersion, FakeResourceType Type, string EventType, JsonObject Object, JsonObject? Previous);

/// <summary>An open watch stream: its filter and the lines still to be written to the client.</summary>
internal sealed class WatchStream(FakeResourceType type, string? @namespace, Selectors selectors, bool allowBookmarks)
{
    // Bounded like the real server's per-watcher buffer: a watcher that falls this far behind is closed.
    public Channel<string> Lines { get; } = Channel.CreateBounded<string>(new BoundedChannelOptions(100_000) { SingleReader = true });

    public FakeResourceType Type { get; } = type;

    public string? Namespace { get; } = @namespace;

    public Selectors Selectors { get; } = selectors;

    public bool AllowBookmarks { get; } = allowBookmarks;

    /// <summary>Set by the HTTP handler: tears the connection down (a dropped watch).</summary>
    public Action? Abort { get; set; }

    public string? Translate(StoreChange change)
    {
        if (change.Type.Group != Type.Group || change.Type.Plural != Type.Plural)
        {
            return null;
        }

        if (Namespace is not null && FakeStore.NamespaceOf(change.Object) != Namespace)
        {
            return null;
        }

        var matches = Selectors.Matches(change.Object);
        var matched = change.Previous is not null && Selectors.Matches(change.Previous);
        var type = change.EventType switch
        {
            "ADDED" when matches => "ADDED",
            "MODIFIED" when matches && matched => "MODIFIED",
            "MODIFIED" when matches => "ADDED",
            "MODIFIED" when matched => "DELETED",
            "DELETED" when matches => "DELETED",
            _ => null,
        };
        return type is null ? null : FakeStore.EventLine(type, change.Object);
    }
}

/// <summary>
/// The state of the fake API server: objects by resource, a global monotonically increasing
/// resourceVersion, a bounded history of changes for watches to resume from, and the open watches.
/// Every mutation and its fan-out to watches happen under one lock, so no watch misses or reorders an event.
/// </summary>
internal sealed class FakeStore(TimeProvider time)
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

    public static string NamespaceOf(JsonObject obj) => (string?)obj["metadata"]?["namespace"] ?? "";

    public static string NameOf(JsonObject obj) => (string?)obj["metadata"]?["name"] ?? "";

    public static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    public static JsonObject Status(int code, string reason, string message, FakeResourceType? type = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (type is not null)
        {
            var details = new JsonObject();
            if (name is not null)
            {
                details["name"] = name;
            }

            if (type.Group.Length > 0)
            {
                details["group"] = type.Group;
            }

            details["kind"] = type.Plural;
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static StoreResult NotFound(FakeResourceType type, string name) =>
        new(404, Status(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", type, name));

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

    public StoreResult Update(FakeResourceType type, string @namespace, string name, JsonObject proposed, bool status)
    {
        lock (_gate)
        {
            return UpdateLocked(type, @namespace, name, proposed, status);
        }
    }

    public StoreResult Patch(FakeResourceType type, string @namespace, string name, string contentType, JsonNode? patch, bool status)
    {
        lock (_gate)
        {
            if (!Objects(type).TryGetValue(Key(@namespace, name), out var current))
            {
                return NotFound(type, name);
            }

            JsonNode? patched;
            try
            {
                patched = contentType switch
                {
                    "application/merge-patch+json" => JsonPatching.MergePatch(current, patch),
                    "application/strategic-merge-patch+json" when !type.IsCustom => JsonPatching.MergePatch(current, patch),
                    "application/json-patch+json" when patch is JsonArray ops => JsonPatching.JsonPatch(current, ops),
                    _ => null,
                };
            }
            catch (InvalidOperationException e)
            {
                return new(422, Status(422, "Invalid", e.Message, type, name));
            }

            if (patched is null && contentType is not ("application/merge-patch+json" or "application/json-patch+json"))
            {
                return new(415, Status(415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got {contentType})"));
            }

            if (patched is not JsonObject patchedObject)
            {
                return new(422, Status(422, "Invalid", "the patch did not produce an object", type, name));
            }

            return UpdateLocked(type, @namespace, name, patchedObject, status);
        }
    }

    public StoreResult Delete(FakeResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            var objects = Objects(type);
            if (!objects.TryGetValue(Key(@namespace, name), out var current))
            {
                return NotFound(type, name);
            }

            if (current["metadata"]?["finalizers"] is JsonArray { Count: > 0 })
            {
                // Finalizers keep the object until they are removed; it is only marked for deletion.
                if (current["metadata"]?["deletionTimestamp"] is null)
                {
                    var marked = (JsonObject)current.DeepClone();
                    marked["metadata"]!["deletionTimestamp"] = Timestamp();
                    marked["metadata"]!["deletionGracePeriodSeconds"] = 0L;
                    marked["metadata"]!["resourceVersion"] = Rv(++_resourceVersion);
                    objects[Key(@namespace, name)] = marked;
                    PublishLocked(new(_resourceVersion, type, "MODIFIED", marked, current));
                    return new(202, (JsonObject)marked.DeepClone());
                }

                // Not deleted yet, as the real server answers: 202 Accepted.
                return new(202, (JsonObject)current.DeepClone());
            }

            return RemoveLocked(type, current);
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

    /// <summary>Deletes an object now, finalizers or not (test seeding).</summary>
    public bool Remove(FakeResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            return Objects(type).TryGetValue(Key(@namespace, name), out var current) && RemoveLocked(type, current).IsSuccess;
        }
    }

    public IReadOnlyList<JsonObject> Snapshot(FakeResourceType type)
    {
        lock (_gate)
        {
            return Objects(type).Values.Select(o => (JsonObject)o.DeepClone()).ToArray();
        }
    }

    /// <summary>Opens a watch from <paramref name="resourceVersion"/> (null or 0: current state first), or returns the 410 Status when that version is compacted away.</summary>
    public (WatchStream? Stream, JsonObject? Expired) OpenWatch(FakeResourceType type, string? @namespace, Selectors selectors, long? resourceVersion, bool allowBookmarks)
    {
        lock (_gate)
        {
            var stream = new WatchStream(type, @namespace, selectors, allowBookmarks);
            if (resourceVersion is null or 0)
            {
                foreach (var obj in Objects(type).Values)
                {
                    if ((@namespace is null || NamespaceOf(obj) == @namespace) && selectors.Matches(obj))
                    {
                        stream.Lines.Writer.TryWrite(EventLine("ADDED", obj));
                    }
                }
            }
            else if (resourceVersion < _oldestResumable)
            {
                return (null, Expired(resourceVersion.Value).Body);
            }
            else
            {
                foreach (var change in _history)
                {
                    if (change.ResourceVersion > resourceVersion && stream.Translate(change) is { } line)
                    {
                        stream.Lines.Writer.TryWrite(line);
                    }
                }
            }

            _watches.Add(stream);
            return (stream, null);
        }
    }

    public void CloseWatch(WatchStream stream)
    {
        lock (_gate)
        {
            _watches.Remove(stream);
        }
    }

    /// <summary>Forgets the history: a watch or exact list from any earlier resourceVersion now gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _oldestResumable = _resourceVersion;
        }
    }

    public int SendBookmarks()
    {
        lock (_gate)
        {
            var sent = 0;
            foreach (var watch in _watches.Where(w => w.AllowBookmarks))
            {
                var bookmark = new JsonObject
                {
                    ["kind"] = watch.Type.Kind,
                    ["apiVersion"] = watch.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                };
                if (watch.Lines.Writer.TryWrite(new JsonObject { ["type"] = "BOOKMARK", ["object"] = bookmark }.ToJsonString()))
                {
                    sent++;
                }
            }

            return sent;
        }
    }

    /// <summary>Ends every open watch with an ERROR event carrying a 410 Expired Status, as the real server does when its watch cache moves past a watcher.</summary>
    public int ExpireWatches()
    {
        lock (_gate)
        {
            var count = _watches.Count;
            foreach (var watch in _watches)
            {
                var status = Status(410, "Expired", $"The resourceVersion for the provided watch is too old.");
                watch.Lines.Writer.TryWrite(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString());
                watch.Lines.Writer.TryComplete();
            }

            _watches.Clear();
            return count;
        }
    }

    /// <summary>Aborts every open watch connection without a final event.</summary>
    public int DropWatches()
    {
        List<WatchStream> dropped;
        lock (_gate)
        {
            dropped = [.. _watches];
            _watches.Clear();
        }

        foreach (var watch in dropped)
        {
            watch.Lines.Writer.TryComplete(new OperationCanceledException("watch dropped"));
            try
            {
                watch.Abort?.Invoke();
            }
            catch (ObjectDisposedException)
            {
                // The request finished on its own meanwhile: nothing left to cut.
            }
        }

        return dropped.Count;
    }

    private StoreResult UpdateLocked(FakeResourceType type, string @namespace, string name, JsonObject proposed, bool status)
    {
        var objects = Objects(type);
        if (!objects.TryGetValue(Key(@namespace, name), out var current))
        {
            return NotFound(type, name);
        }

        if ((string?)proposed["metadata"]?["name"] is { Length: > 0 } proposedName && proposedName != name)
        {
            return new(400, Status(400, "BadRequest", $"the name of the object ({proposedName}) does not match the name on the URL ({name})"));
        }

        var currentVersion = (string?)current["metadata"]?["resourceVersion"];
        if ((string?)proposed["metadata"]?["resourceVersion"] is { Length: > 0 } expected && expected != currentVersion)
        {
            return new(409, Status(409, "Conflict", $"Operation cannot be fulfilled on {type.QualifiedResource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again", type, name));
        }

        if (!status && current["metadata"]?["deletionTimestamp"] is not null && NewFinalizers(current, proposed) is { Count: > 0 } added)
        {
            // ValidateObjectMetaUpdate: a terminating object may lose finalizers but never gain one.
            return new(422, Status(422, "Invalid", $"{type.Kind} \"{name}\" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{{{string.Join(", ", added.Select(f => "\"" + f + "\""))}}}", type, name));
        }

        JsonObject result;
        if (status)
        {
            result = (JsonObject)current.DeepClone();
            SetOrRemove(result, "status", proposed["status"]);
        }
        else
        {
            result = (JsonObject)proposed.DeepClone();
            if (type.HasStatusSubresource)
            {
                SetOrRemove(result, "status", current["status"]);
            }
        }

        result["apiVersion"] = type.ApiVersion;
        result["kind"] = type.Kind;
        var metadata = result["metadata"] as JsonObject ?? [];
        result["metadata"] = metadata;
        var currentMetadata = (JsonObject)current["metadata"]!;
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp", "deletionGracePeriodSeconds", "resourceVersion" })
        {
            SetOrRemove(metadata, field, currentMetadata[field]);
        }

        // Like a CRD: generation moves on any change but metadata, and status too when it has its own subresource.
        if (!JsonNode.DeepEquals(WithoutMetadata(result, type.HasStatusSubresource), WithoutMetadata(current, type.HasStatusSubresource)))
        {
            metadata["generation"] = (long.TryParse(currentMetadata["generation"]?.ToJsonString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation) ? generation : 0) + 1;
        }

        if (JsonNode.DeepEquals(result, current))
        {
            // A no-op write does not bump the resourceVersion or notify watches.
            return new(200, (JsonObject)current.DeepClone());
        }

        metadata["resourceVersion"] = Rv(++_resourceVersion);
        if (metadata["deletionTimestamp"] is not null && metadata["finalizers"] is not JsonArray { Count: > 0 })
        {
            return RemoveLocked(type, result, alreadyBumped: true);
        }

        objects[Key(@namespace, name)] = result;
        PublishLocked(new(_resourceVersion, type, "MODIFIED", result, current));
        return new(200, (JsonObject)result.DeepClone());
    }

    private StoreResult RemoveLocked(FakeResourceType type, JsonObject current, bool alreadyBumped = false)
    {
        Objects(type).Remove(Key(NamespaceOf(current), NameOf(current)));
        var deleted = (JsonObject)current.DeepClone();
        deleted["metadata"]!["resourceVersion"] = Rv(alreadyBumped ? _resourceVersion : ++_resourceVersion);
        PublishLocked(new(_resourceVersion, type, "DELETED", deleted, current));
        return new(200, (JsonObject)deleted.DeepClone());
    }

    private void PublishLocked(StoreChange change)
    {
        _history.Add(change);
        if (_history.Count > MaxHistory)
        {
            _oldestResumable = _history[0].ResourceVersion;
            _history.RemoveAt(0);
        }

        foreach (var watch in _watches.ToList())
        {
            if (watch.Translate(change) is { } line && !watch.Lines.Writer.TryWrite(line))
            {
                // Too slow a watcher: the real server closes it and the client must resume.
                watch.Lines.Writer.TryComplete();
                _watches.Remove(watch);
            }
        }
    }

    private StoreResult Expired(long resourceVersion) =>
        new(410, Status(410, "Expired", $"too old resource version: {resourceVersion} ({_oldestResumable})"));

    private SortedDictionary<string, JsonObject> Objects(FakeResourceType type)
    {
        if (!_objects.TryGetValue((type.Group, type.Plural), out var objects))
        {
            objects = new(StringComparer.Ordinal);
            _objects[(type.Group, type.Plural)] = objects;
        }

        return objects;
    }

    private static JsonObject WithoutMetadata(JsonObject obj, bool withoutStatus)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in obj)
        {
            if (key is not ("metadata" or "apiVersion" or "kind") && !(withoutStatus && key == "status"))
            {
                copy[key] = value?.DeepClone();
            }
        }

        return copy;
    }

    private static List<string> NewFinalizers(JsonObject current, JsonObject proposed)
    {
        static IEnumerable<string> Of(JsonObject obj) => (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => (string?)f ?? "") ?? [];
        var old = Of(current).ToHashSet(StringComparer.Ordinal);
        return Of(proposed).Where(f => !old.Contains(f)).Distinct(StringComparer.Ordinal).ToList();
    }

    private static void SetOrRemove(JsonObject target, string field, JsonNode? value)
    {
        if (value is null)
        {
            target.Remove(field);
        }
        else
        {
            target[field] = value.DeepClone();
        }
    }

    private static string Key(string @namespace, string name) => @namespace + "/" + name;

    private static string Rv(long value) => value.ToString(CultureInfo.InvariantCulture);

    private string Timestamp() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
