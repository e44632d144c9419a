using System.Text.Json;
using System.Text.Json.Serialization;

namespace Triggers.Core.Resources;

/// <summary>Delivery settings of a trigger (<c>spec.delivery</c>); every field optional, defaults from configuration.</summary>
public sealed class DeliverySpec
{
    [JsonPropertyName("maxAttempts")]
    public int? MaxAttempts { get; set; }

    [JsonPropertyName("backoff")]
    public BackoffSpec? Backoff { get; set; }

    /// <summary>Per-attempt timeout as a duration ("30s", "1m30s").</summary>
    [JsonPropertyName("timeout")]
    public string? Timeout { get; set; }

    [JsonPropertyName("deadLetterSubject")]
    public string? DeadLetterSubject { get; set; }

    [JsonPropertyName("deadLetterTopic")]
    public string? DeadLetterTopic { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
