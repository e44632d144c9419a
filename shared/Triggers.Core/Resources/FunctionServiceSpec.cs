using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>The part of a Kubernetes ServiceSpec that addressing needs; every other field is kept.</summary>
public sealed class FunctionServiceSpec
{
    [JsonPropertyName("ports")]
    public IList<FunctionServicePort>? Ports { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
