using Xunit;

namespace Triggers.Testing.FakeKubernetes;

/// <summary>Base of tests that each need a fresh fake API server and a temporary folder (kubeconfigs, manifests).</summary>
public abstract class ApiServerTestBase(string folderPrefix) : IAsyncLifetime
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory(folderPrefix).FullName;

    protected FakeKubernetesApiServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeKubernetesApiServer.StartNewAsync();

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }
}
