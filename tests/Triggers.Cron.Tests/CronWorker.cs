using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;

namespace Triggers.Cron.Tests;

/// <summary>A cron worker hosted in-process in manifests mode, on a free loopback port, with its own manifests folder and state file.</summary>
internal sealed class CronWorker : IAsyncDisposable
{
    private static readonly HttpClient Http = new();
    private readonly WebApplication _app;
    private bool _disposed;

    private CronWorker(WebApplication app, string folder, string statePath)
    {
        _app = app;
        Folder = folder;
        StatePath = statePath;
    }

    public string Folder { get; }

    public string StatePath { get; }

    public Uri BaseUrl { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    public TriggerStatusStore StatusStore => _app.Services.GetRequiredService<TriggerStatusStore>();

    /// <summary>A fresh manifests folder and state path for one test.</summary>
    public static (string Folder, string StatePath) NewFolders()
    {
        var root = Path.Combine(Path.GetTempPath(), "triggers-cron-tests", Guid.NewGuid().ToString("N"));
        var folder = Path.Combine(root, "manifests");
        Directory.CreateDirectory(folder);
        return (folder, Path.Combine(root, "state", "cron-state.json"));
    }

    public static Task<CronWorker> StartAsync(string folder, string statePath, Action<IServiceCollection>? configureServices = null) =>
        StartAsync(
            new Dictionary<string, string?>
            {
                ["Triggers:Source"] = "Manifests",
                ["Triggers:ManifestsPath"] = folder,
                ["Triggers:StatePath"] = statePath,
            },
            configureServices,
            folder,
            statePath);

    /// <summary>Starts a worker with the given configuration on top of the test defaults.</summary>
    public static async Task<CronWorker> StartAsync(IDictionary<string, string?> configuration, Action<IServiceCollection>? configureServices = null, string folder = "", string statePath = "")
    {
        var settings = new Dictionary<string, string?>
        {
            ["urls"] = "http://127.0.0.1:0",
            ["Triggers:Delivery:MaxAttempts"] = "2",
            ["Triggers:Delivery:InitialBackoff"] = "00:00:00.050",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in configuration)
        {
            settings[key] = value;
        }

        var builder = CronWorkerHost.CreateBuilder([], settings);
        configureServices?.Invoke(builder.Services);
        var app = CronWorkerHost.Build(builder);
        var worker = new CronWorker(app, folder, statePath);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        worker.BaseUrl = new Uri(address);
        return worker;
    }

    public static async Task<CronWorker> StartAsync(Action<IServiceCollection>? configureServices = null)
    {
        var (folder, statePath) = NewFolders();
        return await StartAsync(folder, statePath, configureServices);
    }

    public void Write(string file, string yaml) => File.WriteAllText(Path.Combine(Folder, file), yaml);

    public TriggerState? State(string name, string @namespace = "default") =>
        StatusStore.Get(ResourceKind.CronJobTrigger, new ResourceKey(@namespace, name));

    /// <summary>Waits until the trigger's state satisfies <paramref name="condition"/>.</summary>
    public async Task<TriggerState> WaitForStateAsync(string name, Func<TriggerState, bool> condition, string because)
    {
        await Triggers.Testing.Eventually.WaitUntilAsync(() => State(name) is { } s && condition(s), $"{name}: {because} (now {State(name)})");
        return State(name)!;
    }

    /// <summary>The worker's <c>/status</c> document.</summary>
    public async Task<JsonDocument> GetStatusAsync()
    {
        using var response = await Http.GetAsync(new Uri(BaseUrl, "/status"));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task<string> GetMetricsAsync() => await Http.GetStringAsync(new Uri(BaseUrl, "/metrics"));

    public async Task<int> GetReadyStatusAsync()
    {
        using var response = await Http.GetAsync(new Uri(BaseUrl, "/readyz"));
        return (int)response.StatusCode;
    }

    /// <summary>Stops the worker the way a killed pod stops: no graceful shutdown, the Lease is not released.</summary>
    public async Task KillAsync()
    {
        try
        {
            await _app.StopAsync(new CancellationToken(canceled: true));
        }
        catch (Exception e) when (e is OperationCanceledException or AggregateException)
        {
            // An aborted shutdown is the point.
        }

        await _app.DisposeAsync();
        _disposed = true;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>YAML of a Function whose address is the given URL (the <c>triggers/endpoint</c> annotation).</summary>
    public static string Function(string name, Uri url, string labels = "") => $"""
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: {name}
          namespace: default
          annotations:
            triggers/endpoint: "{url}"
        {(labels.Length == 0 ? "" : "  labels:\n" + string.Join("\n", labels.Split(',').Select(l => "    " + l.Replace("=", ": ", StringComparison.Ordinal))))}
        spec:
          handler: handler.run
          runtime: python3.7
          function: "def run(event, context): return 'ok'"
        """;

    /// <summary>YAML of a CronJobTrigger; <paramref name="extra"/> lines are added to the spec.</summary>
    public static string Trigger(string name, string function, string schedule, string extra = "", string? runNow = null) => $"""
        apiVersion: kubeless.io/v1beta1
        kind: CronJobTrigger
        metadata:
          name: {name}
          namespace: default
        {(runNow is null ? "" : $"  annotations:\n    triggers/run-now: \"{runNow}\"")}
        spec:
          function-name: {function}
          schedule: '{schedule}'
        {extra}
        """;
}
