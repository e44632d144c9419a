using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>JetStream settings of a NATSTrigger.</summary>
public sealed class JetStreamSpec
{
    [JsonPropertyName("stream")]
    public string? Stream { get; set; }

    [JsonPropertyName("durable")]
    public string? Durable { get; set; }

    /// <summary><c>all</c> (default), <c>new</c>, <c>last</c>, <c>lastPerSubject</c>.</summary>
    [JsonPropertyName("deliverPolicy")]
    public string? DeliverPolicy { get; set; }

    [JsonPropertyName("ackWait")]
    public string? AckWait { get; set; }

    [JsonPropertyName("maxDeliver")]
    public int? MaxDeliver { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
