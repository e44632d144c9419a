namespace Triggers.Core.Sources;

/// <summary>
/// Bounds on what one manifest may cost to load (docs/configuration.md, "Manifest limits"). A file or
/// document past a bound is reported as a problem of that file and document; the others load.
/// </summary>
public static class ManifestLimits
{
    /// <summary>Largest manifest file read: 8 MiB.</summary>
    public const long MaxFileBytes = 8L * 1024 * 1024;

    /// <summary>Largest single YAML document: 1 MiB of text.</summary>
    public const int MaxDocumentChars = 1024 * 1024;

    /// <summary>
    /// Most YAML nodes in one document, counted with every alias expanded to the node it names, so
    /// nested anchors ("billion laughs") cannot turn a few hundred bytes into gigabytes.
    /// </summary>
    public const long MaxNodes = 100_000;

    /// <summary>Deepest nesting of mappings and sequences in one document.</summary>
    public const int MaxDepth = 100;
}
