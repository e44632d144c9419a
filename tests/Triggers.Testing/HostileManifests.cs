using System.Text;

namespace Triggers.Testing;

/// <summary>Manifests that must cost nothing to reject: an alias bomb and YAML cut off mid-mapping.</summary>
public static class HostileManifests
{
    /// <summary>Nine nested anchors of nine aliases each (9^9 = 387 million leaves when expanded), under 1 KB.</summary>
    public static string AliasBomb()
    {
        var text = new StringBuilder("""
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: bomb
            spec:
              topic: bomb.in
              functionSelector: {matchLabels: {function: f}}
              a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]

            """);
        for (var level = 'b'; level <= 'i'; level++)
        {
            var previous = (char)(level - 1);
            text.Append(CultureInvariant($"  {level}: &{level} [{string.Join(',', Enumerable.Repeat($"*{previous}", 9))}]\n"));
        }

        return text.ToString();
    }

    /// <summary>A flow mapping that never closes before the end of the file.</summary>
    public const string UnterminatedFlowMapping = """
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata: {name: a, namespace: x
        """;

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
