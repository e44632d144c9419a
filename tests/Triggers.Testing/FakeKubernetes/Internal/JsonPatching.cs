using System.Globalization;
using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>RFC 7386 merge patch and RFC 6902 JSON patch over <see cref="JsonNode"/> trees.</summary>
internal static class JsonPatching
{
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = MergePatch(result[name], value);
                result[name] = merged;
            }
        }

        return result;
    }

    /// <summary>Applies a JSON patch; throws <see cref="InvalidOperationException"/> with the reason when an operation cannot apply.</summary>
    public static JsonNode? JsonPatch(JsonNode? target, JsonArray operations)
    {
        var document = target?.DeepClone();
        foreach (var op in operations)
        {
            if (op is not JsonObject operation)
            {
                throw new InvalidOperationException("a JSON patch operation must be an object");
            }

            var kind = (string?)operation["op"] ?? throw new InvalidOperationException("missing op");
            var path = (string?)operation["path"] ?? throw new InvalidOperationException("missing path");
            switch (kind)
            {
                case "add":
                    document = Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    document = Remove(document, path, out _);
                    break;
                case "replace":
                    document = Remove(document, path, out _);
                    document = Add(document, path, operation["value"]?.DeepClone());
                    break;
                case "move":
                {
                    var from = (string?)operation["from"] ?? throw new InvalidOperationException("missing from");
                    document = Remove(document, from, out var moved);
                    document = Add(document, path, moved);
                    break;
                }

                case "copy":
                {
                    var from = (string?)operation["from"] ?? throw new InvalidOperationException("missing from");
                    document = Add(document, path, Resolve(document, from)?.DeepClone());
                    break;
                }

                case "test":
                    if (!JsonNode.DeepEquals(Resolve(document, path), operation["value"]))
                    {
                        throw new InvalidOperationException($"test operation failed at {path}");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"unknown op {kind}");
            }
        }

        return document;
    }

    private static string[] Tokens(string pointer)
    {
        if (pointer.Length == 0)
        {
            return [];
        }

        if (pointer[0] != '/')
        {
            throw new InvalidOperationException($"invalid JSON pointer {pointer}");
        }

        return pointer[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Resolve(JsonNode? document, string pointer)
    {
        var node = document;
        foreach (var token in Tokens(pointer))
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(token, out var child) => child,
                JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                _ => throw new InvalidOperationException($"path {pointer} does not exist"),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? document, string pointer, JsonNode? value)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            return value;
        }

        var parent = Resolve(document, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new InvalidOperationException($"cannot add at {pointer}");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, string pointer, out JsonNode? removed)
    {
        var tokens = Tokens(pointer);
        if (tokens.Length == 0)
        {
            removed = document;
            return null;
        }

        var parent = Resolve(document, ParentPointer(tokens));
        var last = tokens[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out var child):
                o.Remove(last);
                removed = child;
                break;
            case JsonArray a when int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                break;
            default:
                throw new InvalidOperationException($"path {pointer} does not exist");
        }

        return document;
    }

    private static string ParentPointer(string[] tokens) =>
        tokens.Length == 1 ? "" : "/" + string.Join('/', tokens[..^1].Select(Escape));

    private static string Escape(string token) => token.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
