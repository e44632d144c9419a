using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Sources;

/// <summary>JSON (de)serialisation of the resource kinds with KubernetesClient's settings.</summary>
public static class ResourceJson
{
    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, JsonNode json) => Deserialize(kind, json.ToJsonString());

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ResourceKind kind, string text)
    {
        IKubernetesObject<V1ObjectMeta>? result = kind.Kind switch
        {
            Function.KindName => KubernetesJson.Deserialize<Function>(text),
            NatsTrigger.KindName => KubernetesJson.Deserialize<NatsTrigger>(text),
            KafkaTrigger.KindName => KubernetesJson.Deserialize<KafkaTrigger>(text),
            CronJobTrigger.KindName => KubernetesJson.Deserialize<CronJobTrigger>(text),
            V1Service.KubeKind => KubernetesJson.Deserialize<V1Service>(text),
            _ => throw new JsonException($"kind {kind.Kind} is not handled"),
        };
        return result ?? throw new JsonException("document is null");
    }
}
