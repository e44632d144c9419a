using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>Status of a trigger: standard conditions, the generation they describe, and cron times.</summary>
public sealed class TriggerStatus
{
    [JsonPropertyName("observedGeneration")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("conditions")]
    public IList<V1Condition>? Conditions { get; set; }

    [JsonPropertyName("lastScheduleTime")]
    public DateTime? LastScheduleTime { get; set; }

    [JsonPropertyName("lastSuccessfulTime")]
    public DateTime? LastSuccessfulTime { get; set; }

    [JsonPropertyName("nextScheduleTime")]
    public DateTime? NextScheduleTime { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}
