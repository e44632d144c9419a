using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Sources;

/// <summary>
/// Loads one chunk of YAML within <see cref="ManifestLimits"/>. A first pass walks the parser's event
/// stream, counting nodes with aliases expanded and the nesting depth, before anything is built; every
/// parser failure, whatever exception YamlDotNet throws for it, comes back as a message with line and column.
/// </summary>
internal static class YamlGuard
{
    /// <summary>Parses <paramref name="chunk"/> (whose first line is line <paramref name="firstLine"/> of its file); null and an error when it is not acceptable.</summary>
    public static YamlStream? TryLoad(string chunk, int firstLine, out string? error)
    {
        if (chunk.Length > ManifestLimits.MaxDocumentChars)
        {
            error = $"the document is {chunk.Length} characters long, more than the limit of {ManifestLimits.MaxDocumentChars}";
            return null;
        }

        if (Check(chunk, firstLine) is { } problem)
        {
            error = problem;
            return null;
        }

        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(chunk));
            error = null;
            return stream;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var at = e is YamlException y ? y.Start : Mark.Empty;
            error = $"invalid YAML at line {at.Line + firstLine - 1}, column {at.Column}: {Innermost(e).Message}";
            return null;
        }
    }

    /// <summary>The first-pass walk: null when the chunk parses within the limits, else why not.</summary>
    private static string? Check(string chunk, int firstLine)
    {
        var parser = new Parser(new StringReader(chunk));
        var open = new Stack<(AnchorName Anchor, long Nodes)>();
        var anchors = new Dictionary<AnchorName, long>();
        var last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                last = current.End;
                long nodes;
                switch (current)
                {
                    case DocumentStart:
                        anchors.Clear();
                        continue;
                    case MappingStart or SequenceStart:
                        if (open.Count >= ManifestLimits.MaxDepth)
                        {
                            return At(current.Start, firstLine, $"nesting deeper than the limit of {ManifestLimits.MaxDepth}");
                        }

                        open.Push((((NodeEvent)current).Anchor, 1));
                        continue;
                    case MappingEnd or SequenceEnd:
                        var done = open.Pop();
                        nodes = done.Nodes;
                        Remember(anchors, done.Anchor, nodes);
                        break;
                    case Scalar scalar:
                        nodes = 1;
                        Remember(anchors, scalar.Anchor, nodes);
                        break;
                    case AnchorAlias alias:
                        nodes = anchors.GetValueOrDefault(alias.Value, 1);
                        break;
                    default:
                        continue;
                }

                // Sizes are capped just past the limit, so no sum can overflow.
                if (open.Count > 0)
                {
                    var parent = open.Pop();
                    parent.Nodes = Math.Min(parent.Nodes + nodes, ManifestLimits.MaxNodes + 1);
                    open.Push(parent);
                    nodes = parent.Nodes;
                }

                if (nodes > ManifestLimits.MaxNodes)
                {
                    return At(current.Start, firstLine, $"more than {ManifestLimits.MaxNodes} YAML nodes with aliases expanded (an alias bomb?)");
                }
            }

            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var at = e is YamlException y && !y.Start.Equals(Mark.Empty) ? y.Start : last;
            // YamlDotNet reports some truncated input (a flow mapping still open at the end) with an
            // InvalidOperationException that names nothing; say what it means instead.
            var message = e is YamlException ? Innermost(e).Message : "the YAML is incomplete where the document ends (an unclosed {, [ or quote?)";
            return At(at, firstLine, message);
        }
    }

    private static void Remember(Dictionary<AnchorName, long> anchors, AnchorName anchor, long nodes)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor] = nodes;
        }
    }

    private static string At(Mark mark, int firstLine, string message) =>
        $"invalid YAML at line {mark.Line + firstLine - 1}, column {mark.Column}: {message}";

    private static Exception Innermost(Exception e) => e.InnerException is YamlException inner ? Innermost(inner) : e;
}
