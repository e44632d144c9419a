using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>Base of every <c>kubeless.io/v1beta1</c> resource: metadata, a spec, and every unknown field kept as it came.</summary>
public abstract class KubelessResource<TSpec> : IKubernetesObject<V1ObjectMeta>, ISpec<TSpec>
    where TSpec : new()
{
    public const string Group = "kubeless.io";
    public const string Version = "v1beta1";
    public const string GroupVersion = Group + "/" + Version;

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = GroupVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = new();

    /// <summary>Fields this version does not know; kept so that nothing a user wrote is lost on a round trip.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }

    [JsonIgnore]
    public string Namespace => Metadata.NamespaceProperty ?? "default";

    [JsonIgnore]
    public string Name => Metadata.Name ?? "";
}

/// <summary>A trigger resource: a spec with delivery settings and a status with conditions.</summary>
public abstract class TriggerResource<TSpec> : KubelessResource<TSpec>, IStatus<TriggerStatus>
    where TSpec : TriggerSpec, new()
{
    [JsonPropertyName("status")]
    public TriggerStatus Status { get; set; } = new();
}

/// <summary>What every trigger spec shares.</summary>
public abstract class TriggerSpec
{
    /// <summary>Extension: retry, timeout and dead-letter settings for this trigger.</summary>
    [JsonPropertyName("delivery")]
    public DeliverySpec? Delivery { get; set; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? AdditionalProperties { get; set; }
}

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
