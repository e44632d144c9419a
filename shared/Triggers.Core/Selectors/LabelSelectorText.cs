using k8s.Models;

namespace Triggers.Core.Selectors;

/// <summary>
/// The string form of a label selector, as <c>kubectl -l</c> and the API's <c>labelSelector</c>
/// query take it: <c>a=b</c>, <c>a==b</c>, <c>a!=b</c>, <c>a in (x,y)</c>, <c>a notin (x,y)</c>,
/// <c>a</c>, <c>!a</c>, joined by commas.
/// </summary>
public static class LabelSelectorText
{
    /// <summary>Parses <paramref name="text"/>; empty or null selects everything.</summary>
    public static bool TryParse(string? text, out LabelSelector selector, out string? error)
    {
        selector = LabelSelector.Everything;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return true;
        }

        var expressions = new List<V1LabelSelectorRequirement>();
        foreach (var part in SplitTopLevel(text))
        {
            if (!TryRequirement(part, out var requirement, out error))
            {
                return false;
            }

            expressions.Add(requirement!);
        }

        if (!LabelSelector.TryCompile(new V1LabelSelector { MatchExpressions = expressions }, out selector, out error))
        {
            return false;
        }

        return true;
    }

    private static bool TryRequirement(string part, out V1LabelSelectorRequirement? requirement, out string? error)
    {
        requirement = null;
        error = null;
        if (part.Length == 0)
        {
            error = "empty requirement (a stray comma?)";
            return false;
        }

        foreach (var (word, op) in new[] { (" notin ", "NotIn"), (" in ", "In") })
        {
            var at = part.IndexOf(word, StringComparison.Ordinal);
            if (at > 0)
            {
                var rest = part[(at + word.Length)..].Trim();
                if (!rest.StartsWith('(') || !rest.EndsWith(')'))
                {
                    error = $"\"{part}\": values must be in parentheses";
                    return false;
                }

                var values = rest[1..^1].Split(',', StringSplitOptions.TrimEntries).ToList();
                requirement = Requirement(part[..at].Trim(), op, values);
                return true;
            }
        }

        foreach (var (token, op) in new[] { ("!=", "NotIn"), ("==", "In"), ("=", "In") })
        {
            var at = part.IndexOf(token, StringComparison.Ordinal);
            if (at > 0)
            {
                requirement = Requirement(part[..at].Trim(), op, [part[(at + token.Length)..].Trim()]);
                return true;
            }
        }

        requirement = part.StartsWith('!')
            ? Requirement(part[1..].Trim(), "DoesNotExist", null)
            : Requirement(part, "Exists", null);
        return true;
    }

    private static V1LabelSelectorRequirement Requirement(string key, string op, IList<string>? values) =>
        new() { Key = key, OperatorProperty = op, Values = values };

    private static IEnumerable<string> SplitTopLevel(string text)
    {
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    yield return text[start..i].Trim();
                    start = i + 1;
                    break;
            }
        }

        yield return text[start..].Trim();
    }
}
