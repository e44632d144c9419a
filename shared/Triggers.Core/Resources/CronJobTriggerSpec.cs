using System.Text.Json;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

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
