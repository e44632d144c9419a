using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>NATSTrigger</c>: forwards messages of a NATS subject to the selected functions.</summary>
public sealed class NatsTrigger : TriggerResource<NatsTriggerSpec>
{
    public const string KindName = "NATSTrigger";
    public const string Plural = "natstriggers";
    public const string EventNamespace = "natstriggers.kubeless.io";

    public NatsTrigger() => Kind = KindName;
}

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

/// <summary>A Kubeless <c>KafkaTrigger</c>: forwards records of a topic to the selected functions.</summary>
public sealed class KafkaTrigger : TriggerResource<KafkaTriggerSpec>
{
    public const string KindName = "KafkaTrigger";
    public const string Plural = "kafkatriggers";
    public const string EventNamespace = "kafkatriggers.kubeless.io";

    public KafkaTrigger() => Kind = KindName;
}

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

/// <summary>A Kubeless <c>CronJobTrigger</c>: calls a function on a schedule.</summary>
public sealed class CronJobTrigger : TriggerResource<CronJobTriggerSpec>
{
    public const string KindName = "CronJobTrigger";
    public const string Plural = "cronjobtriggers";
    public const string EventNamespace = "cronjobtriggers.kubeless.io";

    /// <summary>Setting this annotation to a new value fires the trigger once.</summary>
    public const string RunNowAnnotation = "triggers/run-now";

    public CronJobTrigger() => Kind = KindName;
}

/// <summary>Spec of a CronJobTrigger: Kubeless fields plus optional extensions.</summary>
public sealed class CronJobTriggerSpec : TriggerSpec
{
    [JsonPropertyName("schedule")]
    public string? Schedule { get; set; }

    [JsonPropertyName("function-name")]
    public string? FunctionName { get; set; }

    /// <summary>Any JSON; POSTed as the body of every tick.</summary>
    [JsonPropertyName("payload")]
    public JsonElement? Payload { get; set; }

    [JsonPropertyName("functionSelector")]
    public V1LabelSelector? FunctionSelector { get; set; }

    [JsonPropertyName("timeZone")]
    public string? TimeZone { get; set; }

    [JsonPropertyName("suspend")]
    public bool? Suspend { get; set; }

    /// <summary><c>Allow</c>, <c>Forbid</c> (default) or <c>Replace</c>.</summary>
    [JsonPropertyName("concurrencyPolicy")]
    public string? ConcurrencyPolicy { get; set; }

    [JsonPropertyName("startingDeadlineSeconds")]
    public long? StartingDeadlineSeconds { get; set; }
}
