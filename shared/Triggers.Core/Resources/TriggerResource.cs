using System.Text.Json.Serialization;
using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>A trigger resource: a spec with delivery settings and a status with conditions.</summary>
public abstract class TriggerResource<TSpec> : KubelessResource<TSpec>, IStatus<TriggerStatus>
    where TSpec : TriggerSpec, new()
{
    [JsonPropertyName("status")]
    public TriggerStatus Status { get; set; } = new();
}
