using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>The answer of a store operation: an HTTP status code and the JSON body (an object, a list or a <c>Status</c>).</summary>
internal readonly record struct StoreResult(int Code, JsonObject Body)
{
    public bool IsSuccess => Code is >= 200 and < 300;
}
