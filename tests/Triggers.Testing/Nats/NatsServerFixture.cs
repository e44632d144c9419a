using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit;

namespace Triggers.Testing.Nats;

/// <summary>
/// A real <c>nats-server</c> process on a free loopback port with JetStream and a temporary store.
/// It can be stopped and started again on the same port (broker outage tests). Use as an xUnit
/// class/collection fixture, or start a private one with <see cref="StartNewAsync"/>.
/// </summary>
public sealed class NatsServerFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>Where the Debian package <c>nats-server</c> installs the binary; <c>NATS_SERVER_BIN</c> overrides it.</summary>
    public static readonly string BinaryPath = Environment.GetEnvironmentVariable("NATS_SERVER_BIN") is { Length: > 0 } bin ? bin : "/usr/sbin/nats-server";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly string _storeDir = Path.Combine(Path.GetTempPath(), "triggers-nats-" + Guid.NewGuid().ToString("N"));
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();
    private Process? _process;

    public int Port { get; private set; }

    public string Url => $"nats://127.0.0.1:{Port}";

    /// <summary>HTTP monitoring port (<c>/connz</c>, <c>/subsz</c>, <c>/jsz</c>).</summary>
    public int MonitorPort { get; private set; }

    public Uri MonitorUrl => new($"http://127.0.0.1:{MonitorPort}/");

    /// <summary>The server's last 200 log lines (slow consumers, disconnects), for a failing test to show.</summary>
    public string RecentLog => string.Join('\n', _log);

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server that only the caller uses (for tests that stop or restart it).</summary>
    public static async Task<NatsServerFixture> StartNewAsync()
    {
        var fixture = new NatsServerFixture();
        await fixture.InitializeAsync().ConfigureAwait(false);
        return fixture;
    }

    public async Task InitializeAsync()
    {
        if (!File.Exists(BinaryPath))
        {
            throw new InvalidOperationException(
                $"nats-server was not found at {BinaryPath}. Install it (apt-get install nats-server) or set NATS_SERVER_BIN to its path; these tests need a real NATS server.");
        }

        Directory.CreateDirectory(_storeDir);
        Port = FreePort();
        MonitorPort = FreePort();
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>Starts the server (again) on the same port with the same JetStream store.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var info = new ProcessStartInfo(BinaryPath)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-m", MonitorPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", _storeDir, "-n", $"test-{Port}" })
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {BinaryPath}");
        process.OutputDataReceived += (_, e) => Keep(_log, e.Data);
        process.ErrorDataReceived += (_, e) => Keep(_log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        var deadline = DateTime.UtcNow + StartTimeout;
        while (!await AcceptsAsync().ConfigureAwait(false))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"nats-server on port {Port} did not start (exited: {process.HasExited}). Output:\n{string.Join('\n', _log)}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }
    }

    /// <summary>Kills the server (an outage: clients see the connection drop).</summary>
    public async Task StopAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().ConfigureAwait(false);
        process.Dispose();
        _process = null;
    }

    /// <summary>Whether any client holds a subscription on exactly <paramref name="subject"/> (and queue group, when given).</summary>
    public async Task<bool> HasSubscriptionAsync(string subject, string? queueGroup = null, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = MonitorUrl };
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("connz?subs=detail&limit=100000", UriKind.Relative), cancellationToken).ConfigureAwait(false));
        if (!json.RootElement.TryGetProperty("connections", out var connections) || connections.ValueKind != System.Text.Json.JsonValueKind.Array)
        {
            return false;
        }

        foreach (var connection in connections.EnumerateArray())
        {
            if (!connection.TryGetProperty("subscriptions_list_detail", out var subs))
            {
                continue;
            }

            foreach (var sub in subs.EnumerateArray())
            {
                var s = sub.TryGetProperty("subject", out var sv) ? sv.GetString() : null;
                var q = sub.TryGetProperty("qgroup", out var qv) ? qv.GetString() : null;
                if (s == subject && (queueGroup is null || q == queueGroup))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Messages the server sent to the connections with this client name (<c>out_msgs</c> in <c>/connz</c>).</summary>
    public async Task<long> MessagesSentToAsync(string clientName, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { BaseAddress = MonitorUrl };
        using var json = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(new Uri("connz?limit=100000", UriKind.Relative), cancellationToken).ConfigureAwait(false));
        long total = 0;
        if (json.RootElement.TryGetProperty("connections", out var connections) && connections.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (var connection in connections.EnumerateArray())
            {
                if (connection.TryGetProperty("name", out var name) && name.GetString() == clientName && connection.TryGetProperty("out_msgs", out var sent))
                {
                    total += sent.GetInt64();
                }
            }
        }

        return total;
    }

    public async Task RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await StartAsync().ConfigureAwait(false);
    }

    public async Task DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_storeDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    async ValueTask IAsyncDisposable.DisposeAsync() => await DisposeAsync().ConfigureAwait(false);

    private static void Keep(System.Collections.Concurrent.ConcurrentQueue<string> log, string? line)
    {
        if (line is null)
        {
            return;
        }

        log.Enqueue(line);
        while (log.Count > 200)
        {
            log.TryDequeue(out _);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // Ready when the server greets a client with its INFO line.
    private async Task<bool> AcceptsAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token).ConfigureAwait(false);
            var buffer = new byte[4];
            var read = await client.GetStream().ReadAsync(buffer, timeout.Token).ConfigureAwait(false);
            return read == 4 && System.Text.Encoding.ASCII.GetString(buffer) == "INFO";
        }
        catch (Exception e) when (e is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }
}
