using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>What every trigger spec shares.</summary>
public abstract class TriggerSpec
{
    /// <summary>Extension: retry, timeout and dead-letter settings for this trigger.</summary>
    [JsonPropertyName("delivery")]
    public DeliverySpec? Delivery { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
