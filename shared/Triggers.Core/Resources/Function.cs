using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>Function</c>: the target of triggers; its labels are what selectors match.</summary>
public sealed class Function : KubelessResource<FunctionSpec>
{
    public const string KindName = "Function";
    public const string Plural = "functions";

    /// <summary>Annotation whose absolute URL overrides the Service address of a function.</summary>
    public const string EndpointAnnotation = "triggers/endpoint";

    public Function() => Kind = KindName;
}

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

/// <summary>The part of a Kubernetes ServiceSpec that addressing needs; every other field is kept.</summary>
public sealed class FunctionServiceSpec
{
    [JsonPropertyName("ports")]
    public IList<FunctionServicePort>? Ports { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

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
