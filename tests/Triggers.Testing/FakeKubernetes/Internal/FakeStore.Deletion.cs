using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

// Deletion semantics: finalizers mark an object for deletion and keep it until they are all removed.
internal sealed partial class FakeStore
{
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

    /// <summary>Deletes an object now, finalizers or not (test seeding).</summary>
    public bool Remove(FakeResourceType type, string @namespace, string name)
    {
        lock (_gate)
        {
            return Objects(type).TryGetValue(Key(@namespace, name), out var current) && RemoveLocked(type, current).IsSuccess;
        }
    }

    private StoreResult RemoveLocked(FakeResourceType type, JsonObject current, bool alreadyBumped = false)
    {
        Objects(type).Remove(Key(NamespaceOf(current), NameOf(current)));
        var deleted = (JsonObject)current.DeepClone();
        deleted["metadata"]!["resourceVersion"] = Rv(alreadyBumped ? _resourceVersion : ++_resourceVersion);
        PublishLocked(new(_resourceVersion, type, "DELETED", deleted, current));
        return new(200, (JsonObject)deleted.DeepClone());
    }

    private static List<string> NewFinalizers(JsonObject current, JsonObject proposed)
    {
        static IEnumerable<string> Of(JsonObject obj) => (obj["metadata"]?["finalizers"] as JsonArray)?.Select(f => (string?)f ?? "") ?? [];
        var old = Of(current).ToHashSet(StringComparer.Ordinal);
        return Of(proposed).Where(f => !old.Contains(f)).Distinct(StringComparer.Ordinal).ToList();
    }
}
