namespace Triggers.Core.Dispatch;

/// <summary>Where one function answers.</summary>
public sealed record FunctionEndpoint(string Namespace, string Name, Uri Url)
{
    public override string ToString() => $"{Namespace}/{Name} ({Url})";
}
