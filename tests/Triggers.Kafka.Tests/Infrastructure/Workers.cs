using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>Settings every test worker shares: fast statistics, commits and retries; quiet logs.</summary>
internal static class WorkerSettings
{
    public static Dictionary<string, string> Defaults(string bootstrapServers, string manifestsPath) => new()
    {
        ["Triggers:Source"] = "Manifests",
        ["Triggers:ManifestsPath"] = manifestsPath,
        ["Triggers:Delivery:MaxAttempts"] = "3",
        ["Triggers:Delivery:InitialBackoff"] = "00:00:00.020",
        ["Triggers:Delivery:MaxBackoff"] = "00:00:00.100",
        ["Triggers:Delivery:Timeout"] = "00:00:10",
        ["Triggers:Delivery:BreakerBreakDuration"] = "00:00:00.5",
        ["Triggers:Delivery:BreakerMinimumThroughput"] = "1000",
        ["Kafka:BootstrapServers"] = bootstrapServers,
        ["Kafka:StatisticsInterval"] = "00:00:00.5",
        ["Kafka:CommitInterval"] = "00:00:00.1",
        ["Kafka:SessionTimeout"] = "00:00:06",
        ["Kafka:MaxRedeliveryBackoff"] = "00:00:00.2",
        ["Kafka:RevokeGracePeriod"] = "00:00:05",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["urls"] = "http://127.0.0.1:0",
    };

    public static string[] Args(IReadOnlyDictionary<string, string> settings) =>
        [.. settings.Select(s => $"--{s.Key}={s.Value}")];
}

/// <summary>A Kafka worker hosted in the test process on a free port, built exactly as Program builds it.</summary>
internal sealed class InProcessWorker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http = new();

    private InProcessWorker(WebApplication app, Uri url)
    {
        _app = app;
        Url = url;
    }

    public Uri Url { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<InProcessWorker> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        var builder = KafkaWorkerHost.CreateBuilder(WorkerSettings.Args(settings));
        var app = KafkaWorkerHost.Build(builder);
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new InProcessWorker(app, new Uri(address));
    }

    public async Task<(bool Ready, string Body)> ReadyzAsync()
    {
        using var response = await _http.GetAsync(new Uri(Url, "/readyz")).ConfigureAwait(false);
        return (response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync().ConfigureAwait(false));
    }

    public async Task<JsonElement> StatusAsync() =>
        await _http.GetFromJsonAsync<JsonElement>(new Uri(Url, "/status")).ConfigureAwait(false);

    public async Task<string> MetricsAsync() =>
        await _http.GetStringAsync(new Uri(Url, "/metrics")).ConfigureAwait(false);

    /// <summary>Graceful stop: consumers finish in-flight work, commit and leave their groups.</summary>
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
