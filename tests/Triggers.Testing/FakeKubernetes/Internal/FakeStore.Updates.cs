using System.Globalization;
using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

// Updates and patches: optimistic concurrency on resourceVersion, the status subresource, generation and no-op writes.
internal sealed partial class FakeStore
{
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
}
