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
