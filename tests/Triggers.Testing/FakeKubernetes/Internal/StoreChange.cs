using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>One change in the history that watches replay from.</summary>
internal sealed record StoreChange(long ResourceVersion, FakeResourceType Type, string EventType, JsonObject Object, JsonObject? Previous);
