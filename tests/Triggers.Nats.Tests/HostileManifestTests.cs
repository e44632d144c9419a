using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using Triggers.Core.Sources;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>Manifests that once took the worker down: it must report them and carry on.</summary>
public sealed class HostileManifestTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task An_Alias_Bomb_And_A_Cut_Off_File_Are_Reported_And_The_Worker_Carries_On()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("hostile");
        manifests.Write("bomb.yaml", HostileManifests.AliasBomb());
        manifests.Write("cut.yaml", HostileManifests.UnterminatedFlowMapping);
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in");

        var problems = worker.Services.GetRequiredService<ManifestDiagnostics>().Problems;
        Assert.Contains(problems, p => p.File == "bomb.yaml" && p.Message.Contains("aliases expanded", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.File == "cut.yaml" && p.Message.Contains("invalid YAML at line", StringComparison.Ordinal));

        // The worker loaded the bomb without expanding it (it once took 19 GB).
        GC.Collect();
        Assert.True(GC.GetTotalMemory(forceFullCollection: true) < 300L * 1024 * 1024, $"managed heap {GC.GetTotalMemory(false) / (1024 * 1024)} MB");

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.in", Encoding.UTF8.GetBytes("alive"));
        await function.WaitForRequestsAsync(1);
        Assert.Equal("alive", function.Requests[0].BodyText);
    }
}
