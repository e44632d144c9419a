using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>Spec of a NATSTrigger: Kubeless fields plus optional extensions.</summary>
public sealed class NatsTriggerSpec : TriggerSpec
{
    [JsonPropertyName("topic")]
    public string? Topic { get; set; }

    [JsonPropertyName("functionSelector")]
    public V1LabelSelector? FunctionSelector { get; set; }

    /// <summary>Extension: concurrent POSTs per subscription.</summary>
    [JsonPropertyName("maxInFlight")]
    public int? MaxInFlight { get; set; }

    /// <summary>Extension: consume through a JetStream durable pull consumer instead of core NATS.</summary>
    [JsonPropertyName("jetStream")]
    public JetStreamSpec? JetStream { get; set; }
}
