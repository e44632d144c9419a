using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>Spec of a KafkaTrigger: Kubeless fields plus optional extensions.</summary>
public sealed class KafkaTriggerSpec : TriggerSpec
{
    [JsonPropertyName("topic")]
    public string? Topic { get; set; }

    /// <summary>Extension: several topics for one trigger.</summary>
    [JsonPropertyName("topics")]
    public IList<string>? Topics { get; set; }

    [JsonPropertyName("functionSelector")]
    public V1LabelSelector? FunctionSelector { get; set; }

    [JsonPropertyName("consumerGroup")]
    public string? ConsumerGroup { get; set; }

    /// <summary><c>earliest</c> or <c>latest</c> (default) for a group with no committed offset.</summary>
    [JsonPropertyName("initialOffset")]
    public string? InitialOffset { get; set; }

    /// <summary><c>partition</c> (default), <c>key</c> or <c>unordered</c>.</summary>
    [JsonPropertyName("ordering")]
    public string? Ordering { get; set; }

    [JsonPropertyName("maxInFlight")]
    public int? MaxInFlight { get; set; }
}
