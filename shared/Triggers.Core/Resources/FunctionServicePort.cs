using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>One port of a function's service spec.</summary>
public sealed class FunctionServicePort
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("port")]
    public int? Port { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
