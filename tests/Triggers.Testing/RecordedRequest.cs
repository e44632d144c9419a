namespace Triggers.Testing;

/// <summary>One request a function received.</summary>
public sealed record RecordedRequest(
    int Index,
    string Method,
    string Path,
    IReadOnlyDictionary<string, string[]> Headers,
    byte[] Body,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The single value of a header (case-insensitive), or null.</summary>
    public string? Header(string name) => Headers.TryGetValue(name, out var values) ? string.Join(",", values) : null;

    public string BodyText => System.Text.Encoding.UTF8.GetString(Body);
}
