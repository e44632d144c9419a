using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Triggers.Kafka.Tests.Infrastructure;

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

    public static async Task<InProcessWorker> StartAsync(IReadOnlyDictionary<string, string> settings, Action<IServiceCollection>? configureServices = null)
    {
        var builder = KafkaWorkerHost.CreateBuilder(WorkerSettings.Args(settings));
        configureServices?.Invoke(builder.Services);
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
