using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>The spec of a Kubeless Function; only <c>service</c> and <c>timeout</c> matter to triggers, the rest is kept.</summary>
public sealed class FunctionSpec
{
    [JsonPropertyName("handler")]
    public string? Handler { get; set; }

    [JsonPropertyName("function")]
    public string? Function { get; set; }

    [JsonPropertyName("function-content-type")]
    public string? FunctionContentType { get; set; }

    [JsonPropertyName("checksum")]
    public string? Checksum { get; set; }

    [JsonPropertyName("runtime")]
    public string? Runtime { get; set; }

    /// <summary>Kubeless keeps this as a string of seconds ("180").</summary>
    [JsonPropertyName("timeout")]
    public string? Timeout { get; set; }

    [JsonPropertyName("deps")]
    public string? Deps { get; set; }

    [JsonPropertyName("deployment")]
    public JsonElement? Deployment { get; set; }

    [JsonPropertyName("service")]
    public FunctionServiceSpec? Service { get; set; }

    [JsonPropertyName("horizontalPodAutoscaler")]
    public JsonElement? HorizontalPodAutoscaler { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
