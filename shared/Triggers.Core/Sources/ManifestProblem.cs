namespace Triggers.Core.Sources;

/// <summary>A problem with one manifest document: the file, the document's 1-based index, and what is wrong.</summary>
public sealed record ManifestProblem(string File, int DocumentIndex, string Message, string? Kind = null, string? Name = null)
{
    public override string ToString()
    {
        var what = Kind is null ? "" : Name is null ? $" {Kind}" : $" {Kind} {Name}";
        return $"{File}, document {DocumentIndex}{what}: {Message}";
    }
}
