using System.Text.Json.Nodes;
using Triggers.Core.Sources;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>Running the Kafka worker in Kubernetes mode against the fake API server.</summary>
internal static class FakeApiExtensions
{
    /// <summary>Creates the Functions and KafkaTriggers of a multi-document manifest in the API server.</summary>
    public static void ApplyManifests(this FakeKubernetesApiServer api, string yaml)
    {
        var loaded = ManifestLoader.LoadText(yaml, "manifests.yaml", "default");
        Assert.Empty(loaded.Problems);
        foreach (var resource in loaded.Resources)
        {
            var json = JsonNode.Parse(k8s.KubernetesJson.Serialize(resource.Resource))!.AsObject();
            api.Apply(resource.Kind.Kind == "Function" ? FakeResourceType.Functions : FakeResourceType.KafkaTriggers, json);
        }
    }

    /// <summary>The scenario's worker settings switched to the Kubernetes source, with loopback functions allowed.</summary>
    public static Dictionary<string, string> KubernetesSettings(this Scenario scenario, FakeKubernetesApiServer api)
    {
        var settings = scenario.Settings();
        settings["Triggers:Source"] = "Kubernetes";
        settings["Triggers:Kubeconfig"] = api.WriteKubeconfig(Path.Combine(scenario.ManifestsPath, "kubeconfig"));
        settings["Triggers:AllowedEndpoints:0"] = "http://127.0.0.1:";
        settings.Remove("Triggers:ManifestsPath");
        return settings;
    }
}
