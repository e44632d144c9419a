namespace Triggers.Testing;

/// <summary>What the function does with one request.</summary>
public sealed record FunctionReply(int Status = 200, string? Body = null, TimeSpan Delay = default, bool DropConnection = false)
{
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    public string ContentType { get; init; } = "text/plain; charset=utf-8";

    /// <summary>
    /// When set: the status and headers go out at once, then the body one byte per interval, never
    /// ending, until the caller gives up (a function that hangs after its headers).
    /// </summary>
    public TimeSpan? Trickle { get; init; }

    public static FunctionReply Ok { get; } = new();
}
