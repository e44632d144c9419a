using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>Label (<c>a=b,c!=d,e in (x,y),!f</c>) and field (<c>metadata.name=x</c>) selectors of list and watch requests.</summary>
internal sealed class Selectors
{
    private readonly List<Func<JsonObject, bool>> _tests = [];

    public static readonly Selectors Everything = new();

    public static Selectors Parse(string? labelSelector, string? fieldSelector)
    {
        var result = new Selectors();
        foreach (var requirement in SplitTopLevel(labelSelector))
        {
            result._tests.Add(ParseLabelRequirement(requirement));
        }

        foreach (var requirement in SplitTopLevel(fieldSelector))
        {
            result._tests.Add(ParseFieldRequirement(requirement));
        }

        return result;
    }

    public bool Matches(JsonObject obj) => _tests.All(t => t(obj));

    private static IEnumerable<string> SplitTopLevel(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
        {
            yield break;
        }

        var depth = 0;
        var start = 0;
        for (var i = 0; i < selector.Length; i++)
        {
            switch (selector[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return selector[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return selector[start..].Trim();
    }

    private static string? Label(JsonObject obj, string key) =>
        obj["metadata"]?["labels"] is JsonObject labels && labels.TryGetPropertyValue(key, out var v) ? (string?)v : null;

    private static bool HasLabel(JsonObject obj, string key) =>
        obj["metadata"]?["labels"] is JsonObject labels && labels.ContainsKey(key);

    private static Func<JsonObject, bool> ParseLabelRequirement(string requirement)
    {
        if (requirement.StartsWith('!'))
        {
            var key = requirement[1..].Trim();
            return o => !HasLabel(o, key);
        }

        foreach (var (op, negate) in new[] { (" notin ", true), (" in ", false) })
        {
            var at = requirement.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                var key = requirement[..at].Trim();
                var values = requirement[(at + op.Length)..].Trim().TrimStart('(').TrimEnd(')')
                    .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                return negate
                    ? o => Label(o, key) is not { } v || !values.Contains(v)
                    : o => Label(o, key) is { } v && values.Contains(v);
            }
        }

        var (k, value, equal) = SplitEquality(requirement);
        if (k is null)
        {
            var key = requirement.Trim();
            return o => HasLabel(o, key);
        }

        return equal ? o => Label(o, k) == value : o => Label(o, k) != value;
    }

    private static Func<JsonObject, bool> ParseFieldRequirement(string requirement)
    {
        var (key, value, equal) = SplitEquality(requirement);
        if (key is null)
        {
            throw new FormatException($"invalid field selector requirement '{requirement}'");
        }

        return o =>
        {
            JsonNode? node = o;
            foreach (var part in key.Split('.'))
            {
                node = node?[part];
            }

            var actual = node?.ToString() ?? "";
            return equal ? actual == value : actual != value;
        };
    }

    private static (string? Key, string Value, bool Equal) SplitEquality(string requirement)
    {
        foreach (var (op, equal) in new[] { ("!=", false), ("==", true), ("=", true) })
        {
            var at = requirement.IndexOf(op, StringComparison.Ordinal);
            if (at > 0)
            {
                return (requirement[..at].Trim(), requirement[(at + op.Length)..].Trim(), equal);
            }
        }

        return (null, "", false);
    }
}
