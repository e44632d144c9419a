using System.Text;

namespace Triggers.Core.Sources;

/// <summary>Splits multi-document YAML text at its <c>---</c> lines, so each document is parsed on its own.</summary>
internal static class YamlDocuments
{
    /// <summary>The chunks between <c>---</c> lines, each with the number of its first line (the separator line stays in the chunk it opens, so line numbers stay right).</summary>
    public static List<(string Chunk, int FirstLine)> Split(string text)
    {
        var chunks = new List<(string Chunk, int FirstLine)>();
        var current = new StringBuilder();
        var firstLine = 1;
        var lineNumber = 0;
        var rest = text.AsSpan();
        while (true)
        {
            lineNumber++;
            var newline = rest.IndexOf('\n');
            var line = newline < 0 ? rest : rest[..newline];
            if (newline >= 0 && line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            if (line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || char.IsWhiteSpace(line[3])))
            {
                chunks.Add((current.ToString(), firstLine));
                current.Clear();
                firstLine = lineNumber;
                // Keep the separator line (it may carry content after it, "--- !tag") so line numbers stay right.
            }

            current.Append(line).Append('\n');
            if (newline < 0)
            {
                break;
            }

            rest = rest[(newline + 1)..];
        }

        chunks.Add((current.ToString(), firstLine));
        return chunks;
    }

    /// <summary>True when a chunk holds nothing but blank lines, comments and document markers.</summary>
    public static bool IsBlank(string chunk)
    {
        foreach (var range in chunk.AsSpan().Split('\n'))
        {
            var line = chunk.AsSpan(range).TrimStart();
            if (line.IsWhiteSpace() || line.StartsWith('#') || line.SequenceEqual("---") || line.SequenceEqual("..."))
            {
                continue;
            }

            return false;
        }

        return true;
    }
}
