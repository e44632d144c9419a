namespace Triggers.Core.Dispatch;

/// <summary>The functions a trigger targets, and why any matching function could not be addressed.</summary>
public sealed record ResolvedFunctions(IReadOnlyList<FunctionEndpoint> Endpoints, IReadOnlyList<string> Problems)
{
    /// <summary>Functions whose <c>triggers/endpoint</c> the endpoint policy refused, each naming the function; the trigger must not run.</summary>
    public IReadOnlyList<string> Refused { get; init; } = [];
}
