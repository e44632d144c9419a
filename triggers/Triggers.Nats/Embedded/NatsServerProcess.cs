using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Triggers.Nats.Embedded;

/// <summary>
/// An embedded <c>nats-server</c> child process on a free loopback port, with JetStream and a
/// temporary store: what the local runner and the benchmarks use when no NATS URL is given.
/// </summary>
public sealed class NatsServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _storeDir;

    private NatsServerProcess(Process process, string storeDir, int port)
    {
        _process = process;
        _storeDir = storeDir;
        Url = $"nats://127.0.0.1:{port}";
    }

    public string Url { get; }

    public int ProcessId => _process.Id;

    /// <summary>Finds <c>nats-server</c> on PATH (or in /usr/sbin, where Debian puts it).</summary>
    public static string? FindBinary()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Append("/usr/sbin").Append("/usr/local/sbin"))
        {
            var candidate = Path.Combine(dir, "nats-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public const string InstallHint = "nats-server was not found on PATH. Install it with:  sudo apt-get install -y nats-server   (Debian/Ubuntu), or pass --nats nats://HOST:4222 to use a running server.";

    public static async Task<NatsServerProcess> StartAsync(CancellationToken cancellationToken)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(InstallHint);
        var port = FreePort();
        var store = Directory.CreateTempSubdirectory("triggers-dev-nats-").FullName;
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", store })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
        // Drain its output so the child never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new NatsServerProcess(process, store, port);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await CanConnectAsync(port, cancellationToken).ConfigureAwait(false))
        {
            if (process.HasExited)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"nats-server exited at start with code {process.ExitCode}");
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new TimeoutException($"nats-server did not accept connections on port {port} within 15 s");
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or refusing to die: nothing more this process can do.
        }
        finally
        {
            _process.Dispose();
            try
            {
                Directory.Delete(_storeDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> CanConnectAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
