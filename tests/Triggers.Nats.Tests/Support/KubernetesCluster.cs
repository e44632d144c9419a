using System.Text.Json.Nodes;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Nats.Tests.Support;

/// <summary>A fake API server a test fills with Functions and NATSTriggers, and reads trigger status from.</summary>
internal sealed class KubernetesCluster : IAsyncDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-nats-cluster-").FullName;

    private KubernetesCluster(FakeKubernetesApiServer api)
    {
        Api = api;
        Kubeconfig = api.WriteKubeconfig(Path.Combine(_folder, "kubeconfig"));
    }

    public FakeKubernetesApiServer Api { get; }

    public string Kubeconfig { get; }

    public static async Task<KubernetesCluster> StartAsync() => new(await FakeKubernetesApiServer.StartNewAsync());

    public void Function(string @namespace, string name, Uri endpoint) => Api.Apply(FakeResourceType.Functions, new Function
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = @namespace,
            Labels = new Dictionary<string, string> { ["function"] = name },
            Annotations = new Dictionary<string, string> { [Core.Resources.Function.EndpointAnnotation] = endpoint.ToString() },
        },
        Spec = new FunctionSpec { Handler = "handler.run", Runtime = "python3.7" },
    });

    public void Trigger(string @namespace, string name, string topic, string function, Action<NatsTriggerSpec>? change = null, IDictionary<string, string>? labels = null)
    {
        var spec = new NatsTriggerSpec
        {
            Topic = topic,
            FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = function } },
        };
        change?.Invoke(spec);
        Api.Apply(FakeResourceType.NatsTriggers, new NatsTrigger
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace, Labels = labels },
            Spec = spec,
        });
    }

    /// <summary>The trigger's Ready condition as the API server holds it: status, reason, message.</summary>
    public (string? Status, string? Reason, string? Message) Ready(string @namespace, string name) => Condition(@namespace, name, "Ready");

    /// <summary>One condition of the trigger as the API server holds it: status, reason, message (all null when it has none).</summary>
    public (string? Status, string? Reason, string? Message) Condition(string @namespace, string name, string type)
    {
        var status = Api.Get(FakeResourceType.NatsTriggers, @namespace, name)?["status"];
        var condition = (status?["conditions"] as JsonArray)?.FirstOrDefault(c => (string?)c?["type"] == type);
        return ((string?)condition?["status"], (string?)condition?["reason"], (string?)condition?["message"]);
    }

    public Task WaitForReasonAsync(string @namespace, string name, string reason) =>
        Eventually.WaitUntilAsync(() => Ready(@namespace, name).Reason == reason, $"the API server shows {@namespace}/{name} with reason {reason} (has {Ready(@namespace, name)})");

    public async ValueTask DisposeAsync()
    {
        await Api.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(_folder, recursive: true);
    }
}
