using System.Net;
using k8s;
using k8s.Exceptions;
using Triggers.Core.Kubernetes;
using Triggers.Core.Tests.Reconcile;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The worker finds its cluster as kubectl does: Triggers:Kubeconfig, in-cluster, KUBECONFIG (merged), ~/.kube/config.</summary>
public sealed class KubernetesClientFactoryTests() : ApiServerTestBase("triggers-kubeconfig-")
{
    [Fact]
    public async Task Kubeconfig_Variable_Alone_Reaches_The_Api_Server()
    {
        var kubeconfig = Server.WriteKubeconfig(Path.Combine(Folder, "config"));

        var configuration = Build(new TriggersOptions(), kubeconfigVariable: kubeconfig);
        using var client = new k8s.Kubernetes(configuration);
        await client.CoreV1.CreateNamespacedConfigMapAsync(new k8s.Models.V1ConfigMap { Metadata = new() { Name = "reached" } }, "ns");

        Assert.NotNull(Server.Get(FakeResourceType.ConfigMaps, "ns", "reached"));
    }

    [Fact]
    public void A_List_Of_Files_Merges_First_Value_Wins_And_Current_Context_From_The_First_File_That_Has_One()
    {
        // The first file defines the context and its cluster but names no current context.
        var first = Write("first", $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: one
              cluster:
                server: {Server.BaseUri}
            users:
            - name: me
              user:
                token: first-token
            contexts:
            - name: work
              context:
                cluster: one
                user: me
                namespace: team-a
            """);
        // The second names the current context and redefines cluster "one" and user "me": the first file's win.
        var second = Write("second", """
            apiVersion: v1
            kind: Config
            current-context: work
            clusters:
            - name: one
              cluster: {server: "http://127.0.0.1:1"}
            users:
            - name: me
              user: {token: second-token}
            contexts:
            - name: work
              context: {cluster: one, user: me, namespace: team-b}
            """);
        var missing = Path.Combine(Folder, "missing");

        var configuration = Build(new TriggersOptions(), kubeconfigVariable: string.Join(Path.PathSeparator, missing, first, second));

        Assert.Equal("work", configuration.CurrentContext);
        Assert.Equal(Server.BaseUri.ToString().TrimEnd('/'), configuration.Host.TrimEnd('/'));
        Assert.Equal("first-token", configuration.AccessToken);
        Assert.Equal("team-a", configuration.Namespace);
    }

    [Fact]
    public void Nothing_Found_Names_Everything_That_Was_Tried()
    {
        var a = Path.Combine(Folder, "a");
        var b = Path.Combine(Folder, "b");
        var home = Path.Combine(Folder, "home", ".kube", "config");

        var e = Assert.Throws<KubeConfigException>(() => Build(new TriggersOptions(), kubeconfigVariable: a + Path.PathSeparator + b, defaultPath: home));

        Assert.Contains("Triggers:Kubeconfig", e.Message, StringComparison.Ordinal);
        Assert.Contains("in-cluster", e.Message, StringComparison.Ordinal);
        Assert.Contains("KUBECONFIG", e.Message, StringComparison.Ordinal);
        Assert.Contains(a, e.Message, StringComparison.Ordinal);
        Assert.Contains(b, e.Message, StringComparison.Ordinal);
        Assert.Contains(home, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Triggers_Kubeconfig_Wins_Over_The_Variable_And_A_Broken_File_Is_Named()
    {
        var good = Server.WriteKubeconfig(Path.Combine(Folder, "good"));
        var broken = Write("broken", "clusters: [this is: not a kubeconfig");

        var chosen = Build(new TriggersOptions { Kubeconfig = good }, kubeconfigVariable: broken);
        Assert.Equal(Server.BaseUri.ToString().TrimEnd('/'), chosen.Host.TrimEnd('/'));

        var e = Assert.Throws<KubeConfigException>(() => Build(new TriggersOptions(), kubeconfigVariable: broken));
        Assert.Contains(broken, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_A_Pod_The_Service_Account_Comes_Before_The_Variable()
    {
        var e = Assert.ThrowsAny<Exception>(() => KubernetesClientFactory.BuildConfiguration(
            new TriggersOptions(), _ => Server.WriteKubeconfig(Path.Combine(Folder, "unused")), inCluster: () => true, Path.Combine(Folder, "none")));

        // Here there is no service account token: the in-cluster path was taken, not KUBECONFIG.
        Assert.DoesNotContain("KUBECONFIG", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Worker_Started_With_Only_The_Kubeconfig_Variable_Watches_The_Api_Server()
    {
        var kubeconfig = Server.WriteKubeconfig(Path.Combine(Folder, "worker-config"));
        Server.Apply(FakeResourceType.NatsTriggers, new Triggers.Core.Resources.NatsTrigger
        {
            Metadata = new() { Name = "via-variable", NamespaceProperty = "kubeconfig-test" },
            Spec = new() { Topic = "t", FunctionSelector = new() { MatchLabels = new Dictionary<string, string> { ["function"] = "none" } } },
        });

        // The process environment is shared: only this test sets KUBECONFIG, and every other test
        // that builds a client names its file with Triggers:Kubeconfig, which comes first.
        var before = Environment.GetEnvironmentVariable(KubernetesClientFactory.KubeconfigVariable);
        Environment.SetEnvironmentVariable(KubernetesClientFactory.KubeconfigVariable, kubeconfig);
        try
        {
            await using var app = TestWorkerHost.Build();
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = ServerAddress.Of(app.Services) };
            await Eventually.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz answers 200 once the API server was listed");
            await Eventually.WaitUntilAsync(
                () => Server.Get(FakeResourceType.NatsTriggers, "kubeconfig-test", "via-variable")?["status"] is not null,
                "the worker writes the trigger's status through the API server named by KUBECONFIG");
            await app.StopAsync();
        }
        finally
        {
            Environment.SetEnvironmentVariable(KubernetesClientFactory.KubeconfigVariable, before);
        }
    }

    private KubernetesClientConfiguration Build(TriggersOptions options, string? kubeconfigVariable, string? defaultPath = null) =>
        KubernetesClientFactory.BuildConfiguration(
            options,
            name => name == KubernetesClientFactory.KubeconfigVariable ? kubeconfigVariable : null,
            inCluster: () => false,
            defaultPath ?? Path.Combine(Folder, "no-home", "config"));

    private string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, text);
        return path;
    }
}
