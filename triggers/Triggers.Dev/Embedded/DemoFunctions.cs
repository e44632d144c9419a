using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;

namespace Triggers.Dev.Embedded;

/// <summary>
/// The built-in demo functions on loopback: <c>/audit</c> (the book's todo-audit), <c>/cleanup</c>
/// (the every-minute cron job) and <c>/orders</c> (a Kafka consumer). Each prints what a real
/// function would log and answers 200.
/// </summary>
internal sealed class DemoFunctions : IAsyncDisposable
{
    public const int DefaultPort = 18080;

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<string> _lines = new();

    private DemoFunctions(WebApplication app) => _app = app;

    public event Action<string>? Logged;

    public IReadOnlyCollection<string> Lines => _lines;

    public static async Task<DemoFunctions> StartAsync(int port, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        var app = builder.Build();
        var functions = new DemoFunctions(app);
        app.MapPost("/audit", functions.AuditAsync);
        app.MapPost("/cleanup", functions.CleanupAsync);
        app.MapPost("/orders", functions.OrdersAsync);
        app.MapGet("/healthz", () => "ok");
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new InvalidOperationException($"demo functions cannot listen on 127.0.0.1:{port} ({e.Message}); pass --functions-port N and point the manifests' triggers/endpoint annotations at it", e);
        }

        return functions;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private void Log(string line)
    {
        _lines.Enqueue(line);
        Logged?.Invoke(line);
    }

    private async Task<IResult> AuditAsync(HttpRequest request)
    {
        // The book's todo-audit: AUDIT @ <Item.DateAdded>: <Item.Item>
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted).ConfigureAwait(false);
            var item = doc.RootElement.GetProperty("Item");
            Log($"AUDIT @ {item.GetProperty("DateAdded")}: {item.GetProperty("Item").GetString()}");
            return Results.Ok();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Log($"AUDIT rejected a message that is not a to-do item ({e.GetType().Name})");
            return Results.BadRequest("expected {\"Item\": {\"Item\": ..., \"DateAdded\": ...}}");
        }
    }

    private async Task<IResult> CleanupAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        Log($"CLEANUP tick {request.Headers["event-id"]} at {request.Headers["event-time"]} payload={(body.Length == 0 ? "(none)" : body)}");
        return Results.Ok();
    }

    private async Task<IResult> OrdersAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted).ConfigureAwait(false);
        Log($"ORDER from {request.Headers["event-topic"]} key={request.Headers["kafka-key"]} ({body.Length} bytes)");
        return Results.Ok();
    }
}
