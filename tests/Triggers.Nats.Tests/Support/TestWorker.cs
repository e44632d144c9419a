using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Testing;

namespace Triggers.Nats.Tests.Support;

/// <summary>The NATS worker hosted in-process on a free port, reading manifests from a folder.</summary>
internal sealed class TestWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestWorker(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public IServiceProvider Services => _app.Services;

    public NatsSubscriptionSet Subscriptions => Services.GetRequiredService<NatsSubscriptionSet>();

    public static Task<TestWorker> StartAsync(string natsUrl, string manifestsPath, params string[] extraArgs) =>
        StartWithAsync(natsUrl, ["--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={manifestsPath}", .. extraArgs]);

    /// <summary>
    /// Writes Function <c>fn</c> (at <paramref name="function"/>) and NATSTrigger <c>tr</c> on
    /// <paramref name="topic"/> into the folder, starts the worker on it and returns once the trigger is subscribed.
    /// </summary>
    public static async Task<TestWorker> StartWithOneTriggerAsync(string natsUrl, ManifestFolder manifests, Uri function, string ns, string topic, string extraSpec = "")
    {
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function, ns));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", topic, "fn", ns, extraSpec));
        var worker = await StartAsync(natsUrl, manifests.Path).ConfigureAwait(false);
        try
        {
            await worker.WaitForReasonAsync(ns, "tr", NatsTriggerPlanner.ReasonSubscribed).ConfigureAwait(false);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The worker in Kubernetes mode, watching the API server the kubeconfig names.</summary>
    public static Task<TestWorker> StartKubernetesAsync(string natsUrl, string kubeconfig, params string[] extraArgs) =>
        StartKubernetesAsync(natsUrl, kubeconfig, configureServices: null, extraArgs);

    /// <summary>The worker in Kubernetes mode, with services changed by the test (a dispatcher that fails, ...).</summary>
    public static Task<TestWorker> StartKubernetesAsync(string natsUrl, string kubeconfig, Action<IServiceCollection>? configureServices, params string[] extraArgs) =>
        StartWithAsync(natsUrl, ["--Triggers:Source=Kubernetes", $"--Triggers:Kubeconfig={kubeconfig}", .. extraArgs], configureServices);

    private static async Task<TestWorker> StartWithAsync(string natsUrl, string[] sourceArgs, Action<IServiceCollection>? configureServices = null)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            $"--Nats:Url={natsUrl}",
            "--Nats:DrainTimeout=00:00:05",
            "--Triggers:Delivery:InitialBackoff=00:00:00.020",
            "--Triggers:Delivery:MaxBackoff=00:00:00.200",
            "--Triggers:Delivery:Timeout=00:00:10",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            .. sourceArgs,
        ];
        var builder = NatsWorkerHost.CreateBuilder(args);
        configureServices?.Invoke(builder.Services);
        var app = NatsWorkerHost.Build(builder);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new TestWorker(app, new Uri(address.EndsWith('/') ? address : address + "/"));
    }

    public TriggerState? Status(string @namespace, string name) =>
        Services.GetRequiredService<TriggerStatusStore>().Get(ResourceKind.NatsTrigger, new ResourceKey(@namespace, name));

    /// <summary>Waits until the trigger reports the given reason (and so its subscriptions are in place).</summary>
    public Task WaitForReasonAsync(string @namespace, string name, string reason) =>
        Eventually.WaitUntilAsync(
            () => Status(@namespace, name)?.Condition.Reason == reason,
            $"trigger {@namespace}/{name} has reason {reason} (has {Status(@namespace, name)?.Condition.Reason ?? "none"}: {Status(@namespace, name)?.Condition.Message})");

    public Task WaitForSubscriptionsAsync(string keyPrefix, int count) =>
        Eventually.WaitUntilAsync(
            () => Subscriptions.Keys.Count(k => k.StartsWith(keyPrefix, StringComparison.Ordinal)) == count,
            $"{count} subscription(s) with key {keyPrefix}* run (running: {string.Join(", ", Subscriptions.Keys)})");

    /// <summary>Graceful stop: drains in-flight work.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Hard stop: the shutdown token is already cancelled, so in-flight work is abandoned.</summary>
    public async Task KillAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            using var cancelled = new CancellationTokenSource();
            await cancelled.CancelAsync().ConfigureAwait(false);
            try
            {
                await _app.StopAsync(cancelled.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    public static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10].ToLower(CultureInfo.InvariantCulture);
}
