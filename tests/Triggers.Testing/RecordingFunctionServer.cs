using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Triggers.Testing;

/// <summary>
/// A real HTTP function on loopback (Kestrel) that records every request and answers as told:
/// a status, a body, a delay, or a dropped connection. Each test starts its own on its own port.
/// </summary>
public sealed class RecordingFunctionServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly WebApplication _app;
    private Func<RecordedRequest, FunctionReply> _behaviour = _ => FunctionReply.Ok;
    private int _count;
    private int _active;
    private int _maxActive;
    private long _answered;

    private RecordingFunctionServer(WebApplication app) => _app = app;

    /// <summary>Root URL, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Url { get; private set; } = null!;

    public int Count => Volatile.Read(ref _count);

    /// <summary>Requests answered with 2xx.</summary>
    public long Succeeded => Interlocked.Read(ref _answered);

    /// <summary>The most requests that were in progress at once.</summary>
    public int MaxConcurrent => Volatile.Read(ref _maxActive);

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests.OrderBy(r => r.Index)];

    /// <summary>Starts a function server on a free loopback port.</summary>
    public static async Task<RecordingFunctionServer> StartAsync(int port = 0, CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(IPAddress.Loopback, port);
            k.Limits.MaxRequestBodySize = null;
        });
        var app = builder.Build();
        var server = new RecordingFunctionServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        server.Url = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>Sets how the function answers; the callback sees the request (with its 0-based index).</summary>
    public RecordingFunctionServer Respond(Func<RecordedRequest, FunctionReply> behaviour)
    {
        _behaviour = behaviour;
        return this;
    }

    public RecordingFunctionServer RespondWith(int status, string? body = null) => Respond(_ => new FunctionReply(status, body));

    /// <summary>Answers <paramref name="status"/> to the first <paramref name="count"/> requests, then 200.</summary>
    public RecordingFunctionServer FailFirst(int count, int status = 503) => Respond(r => r.Index < count ? new FunctionReply(status) : FunctionReply.Ok);

    public RecordingFunctionServer DelayEach(TimeSpan delay) => Respond(_ => new FunctionReply(Delay: delay));

    public RecordingFunctionServer DropConnections() => Respond(_ => new FunctionReply(DropConnection: true));

    /// <summary>Waits until at least <paramref name="count"/> requests arrived.</summary>
    public Task WaitForRequestsAsync(int count, TimeSpan? timeout = null) =>
        Eventually.WaitUntilAsync(() => Count >= count, $"the function at {Url} received {count} requests (has {Count})", timeout);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var active = Interlocked.Increment(ref _active);
        try
        {
            int seen;
            while (active > (seen = Volatile.Read(ref _maxActive)) && Interlocked.CompareExchange(ref _maxActive, active, seen) != seen)
            {
            }

            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted).ConfigureAwait(false);
            var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.Select(v => v ?? "").ToArray(), StringComparer.OrdinalIgnoreCase);
            RecordedRequest request;
            lock (_requests)
            {
                // Index, record and count move together: a waiter that sees Count >= n finds n requests.
                request = new RecordedRequest(_count, context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body.ToArray(), DateTimeOffset.UtcNow);
                _requests.Enqueue(request);
                Volatile.Write(ref _count, _count + 1);
            }

            var reply = _behaviour(request);
            if (reply.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(reply.Delay, context.RequestAborted).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            if (reply.DropConnection)
            {
                context.Abort();
                return;
            }

            context.Response.StatusCode = reply.Status;
            if (reply.Headers is not null)
            {
                foreach (var (name, value) in reply.Headers)
                {
                    context.Response.Headers[name] = value;
                }
            }

            if (reply.Trickle is { } interval)
            {
                await TrickleAsync(context, interval).ConfigureAwait(false);
                return;
            }

            if (reply.Status is >= 200 and < 300)
            {
                Interlocked.Increment(ref _answered);
            }

            if (reply.Body is not null)
            {
                context.Response.ContentType = reply.ContentType;
                await context.Response.WriteAsync(reply.Body, context.RequestAborted).ConfigureAwait(false);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _active);
        }
    }

    private static async Task TrickleAsync(HttpContext context, TimeSpan interval)
    {
        try
        {
            await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
            while (true)
            {
                await context.Response.Body.WriteAsync("."u8.ToArray(), context.RequestAborted).ConfigureAwait(false);
                await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
                await Task.Delay(interval, context.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The caller gave up: what this mode is for.
        }
    }
}
