using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Triggers.Benchmarks;

/// <summary>A worker run as its own process (as in production), so its RSS and CPU time are its own.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private double _peakRssMb;

    private WorkerProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
    }

    public Uri Address { get; }

    public int Id => _process.Id;

    /// <summary>
    /// When <c>BENCH_TRACE</c> names a folder, samples the worker's CPU with dotnet-trace for
    /// <paramref name="seconds"/> seconds (the profile behind a target that is not met).
    /// </summary>
    public Process? StartTrace(string name, int seconds)
    {
        if (Environment.GetEnvironmentVariable("BENCH_TRACE") is not { Length: > 0 } folder)
        {
            return null;
        }

        Directory.CreateDirectory(folder);
        var start = new ProcessStartInfo("dotnet-trace") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "collect", "-p", Id.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "--duration", TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture), "-o", Path.Combine(folder, name + ".nettrace") })
        {
            start.ArgumentList.Add(arg);
        }

        var trace = Process.Start(start)!;
        trace.OutputDataReceived += (_, _) => { };
        trace.ErrorDataReceived += (_, _) => { };
        trace.BeginOutputReadLine();
        trace.BeginErrorReadLine();
        return trace;
    }

    /// <summary>Peak resident set size (VmHWM) so far.</summary>
    public double PeakRssMb
    {
        get
        {
            Sample();
            return _peakRssMb;
        }
    }

    /// <summary>User plus system CPU seconds the process used so far.</summary>
    public double CpuSeconds => ProcessCpuSeconds(_process.Id);

    /// <summary>User plus system CPU seconds process <paramref name="pid"/> used so far (Linux /proc).</summary>
    public static double ProcessCpuSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }

    public static async Task<WorkerProcess> StartAsync(string project, IEnumerable<string> args, TimeSpan readyTimeout)
    {
        var dll = WorkerDll(project);
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add($"--urls=http://127.0.0.1:{port}");
        start.ArgumentList.Add("--Logging:LogLevel:Default=Warning");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // Experiments on the worker alone: BENCH_WORKER_ENV="DOTNET_GCgen0size=0x4000000;NAME=VALUE".
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_WORKER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                start.Environment[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        var process = Process.Start(start)!;
        var errors = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line && errors.Count < 50) { errors.Add(line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && errors.Count < 50) { errors.Add(line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var worker = new WorkerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        using var http = new HttpClient { BaseAddress = worker.Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = Stopwatch.GetTimestamp() + (long)(readyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{project} exited with {process.ExitCode}:\n{string.Join('\n', errors)}");
            }

            try
            {
                if ((await http.GetAsync("readyz")).StatusCode == HttpStatusCode.OK)
                {
                    return worker;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                await worker.DisposeAsync();
                throw new TimeoutException($"{project} was not ready within {readyTimeout}:\n{string.Join('\n', errors)}");
            }

            worker.Sample();
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Sample()
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kb = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                    _peakRssMb = Math.Max(_peakRssMb, kb / 1024);
                }
            }
        }
        catch (IOException)
        {
        }
    }

    private static string WorkerDll(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Triggers.sln")))
            {
                // The workers live under triggers/; benchmark-only variants of them (PollyWorker) under tests/.
                var dll = Path.Combine(dir.FullName, "triggers", project, "bin", configuration, "net10.0", project + ".dll");
                var variant = Path.Combine(dir.FullName, "tests", project, "bin", configuration, "net10.0", project + ".dll");
                return File.Exists(dll) ? dll : File.Exists(variant) ? variant : throw new FileNotFoundException($"build {project} first (dotnet build -c {configuration})", dll);
            }
        }

        throw new DirectoryNotFoundException("Triggers.sln not found above " + AppContext.BaseDirectory);
    }
}
