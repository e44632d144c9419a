using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>Exponential backoff bounds (<c>spec.delivery.backoff</c>).</summary>
public sealed class BackoffSpec
{
    [JsonPropertyName("initial")]
    public string? Initial { get; set; }

    [JsonPropertyName("max")]
    public string? Max { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
