using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Triggers.Core.Tests.Reconcile;
using Triggers.Testing;

namespace Triggers.Core.Tests.Hosting;

public sealed class HostDefaultsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-host-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static WebApplication Build(params string[] args) => TestWorkerHost.Build(args);

    private static Uri BaseAddress(WebApplication app) => ServerAddress.Of(app.Services);

    [Fact]
    public async Task Serves_Health_Readiness_Metrics_And_Status_In_Manifests_Mode()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "book.yaml"), """
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: todo-audit
              labels:
                function: todo-audit
              annotations:
                triggers/endpoint: http://127.0.0.1:1/
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: todo-audit
            spec:
              topic: events.todo.newitem
              functionSelector:
                matchLabels:
                  function: todo-audit
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: lonely
            spec:
              topic: events.nobody
              functionSelector:
                matchLabels:
                  function: nobody
            """);
        await using var app = Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = BaseAddress(app) };

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz answers 200");

        var status = JsonDocument.Parse(await http.GetStringAsync("/status")).RootElement;
        Assert.Equal("test", status.GetProperty("worker").GetString());
        var triggers = status.GetProperty("triggers").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal("Subscribed", triggers["todo-audit"].GetProperty("reason").GetString());
        Assert.True(triggers["todo-audit"].GetProperty("ready").GetBoolean());
        Assert.Equal("NoMatchingFunctions", triggers["lonely"].GetProperty("reason").GetString());

        var metrics = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("text/plain", metrics.Content.Headers.ContentType?.ToString());
        await app.StopAsync();
    }

    [Fact]
    public async Task Readiness_Fails_While_A_Trigger_Cannot_Start()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "t.yaml"), """
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: f
              labels: {function: f}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: t
            spec:
              topic: refused.subject
              functionSelector: {matchLabels: {function: f}}
            """);
        await using var app = Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}");
        app.Services.GetRequiredService<TestSubscriptionSet>().Refuse["refused.subject"] = true;
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = BaseAddress(app) };
        await Eventually.WaitUntilAsync(async () => (await http.GetStringAsync("/status")).Contains("SubscribeFailed", StringComparison.Ordinal), "the failure shows in /status");
        var ready = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("could not start", await ready.Content.ReadAsStringAsync());
        await app.StopAsync();
    }

    [Theory]
    [InlineData("Triggers:ManifestsPath is required", "--Triggers:Source=Manifests")]
    [InlineData("Triggers:ManifestsPath '/no/such/folder' is not an existing directory", "--Triggers:Source=Manifests", "--Triggers:ManifestsPath=/no/such/folder")]
    [InlineData("Triggers:Delivery:MaxAttempts must be at least 1", "--Triggers:Source=Manifests", "--Triggers:ManifestsPath=/tmp", "--Triggers:Delivery:MaxAttempts=0")]
    [InlineData("Triggers:ClusterDomain must not be empty", "--Triggers:Source=Manifests", "--Triggers:ManifestsPath=/tmp", "--Triggers:ClusterDomain= ")]
    public async Task Bad_Configuration_Fails_At_Start_Naming_The_Key(string expected, params string[] args)
    {
        await using var app = Build(args);
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(expected, error.Message);
    }
}
