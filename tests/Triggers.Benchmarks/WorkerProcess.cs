using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Triggers.Benchmarks;

/// <summary>A worker run as its own process (as in production), so its RSS and CPU time are its own.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private double _peakRssMb;

    private readonly List<string> _output;

    private WorkerProcess(Process process, List<string> output, Uri address)
    {
        _process = process;
        _output = output;
        Address = address;
    }

    /// <summary>The first lines the process wrote (stdout and stderr), for a failed run's message.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
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
        return BackgroundTool.Start("dotnet-trace", ["collect", "-p", Id.ToString(CultureInfo.InvariantCulture), "--profile", "dotnet-sampled-thread-time", "--duration", TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture), "-o", Path.Combine(folder, name + ".nettrace")]);
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

    /// <summary>
    /// Bytes the worker allocated so far (the runtime's <c>dotnet.gc.heap.total_allocated</c> on its
    /// <c>/metrics</c>), or null for a process without that endpoint (a bare bridge).
    /// </summary>
    public async Task<double?> AllocatedBytesAsync()
    {
        if (Address.Scheme != Uri.UriSchemeHttp)
        {
            return null;
        }

        using var http = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        foreach (var line in (await http.GetStringAsync("metrics")).Split('\n'))
        {
            if (line.StartsWith("dotnet_gc_heap_total_allocated_bytes", StringComparison.Ordinal))
            {
                return double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>User plus system CPU seconds the process used so far.</summary>
    public double CpuSeconds => ProcStat.CpuSeconds(_process.Id);

    /// <summary>
    /// User plus system CPU seconds the runtime's tiered-compilation thread used so far: while it
    /// still grows, the process's hot path is still being compiled and its CPU per event is the JIT's.
    /// </summary>
    public double JitCpuSeconds => ProcStat.TieringCpuSeconds(_process.Id);

    /// <summary>
    /// Starts the worker <paramref name="project"/> (from <paramref name="dll"/> when given: another
    /// build of it, for A/B runs, which gets <c>BENCH_BASELINE_ENV</c> when set instead of
    /// <c>BENCH_WORKER_ENV</c>: with a copy of the same build, an A/B of runtime settings).
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(string project, IEnumerable<string> args, TimeSpan readyTimeout, string? dll = null)
    {
        var port = FreePort();
        var (process, errors) = Launch([dll ?? WorkerDll(project), $"--urls=http://127.0.0.1:{port}", "--Logging:LogLevel:Default=Warning", .. args], bareRuntime: false, ready: null, EnvironmentOf(dll is null ? WorkerEnv : BaselineEnv));
        var worker = new WorkerProcess(process, errors, new Uri($"http://127.0.0.1:{port}/"));
        using var http = new HttpClient { BaseAddress = worker.Address, Timeout = TimeSpan.FromSeconds(5) };
        await worker.WaitReadyAsync(project, readyTimeout, async () =>
        {
            try
            {
                return (await http.GetAsync("readyz")).StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        });
        return worker;
    }

    /// <summary>
    /// A bare bridge: this program run again as a child with <paramref name="command"/>, ready once it
    /// prints <see cref="BareBridge.Ready"/>. It gets the workers' runtime settings (workstation GC,
    /// no dynamic PGO: Directory.Build.props; inline socket completions: the images) and
    /// <c>BENCH_WORKER_ENV</c>, so the two sides differ in their code only.
    /// </summary>
    public static async Task<WorkerProcess> StartBareAsync(string command, IEnumerable<string> args, TimeSpan readyTimeout)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var (process, errors) = Launch([typeof(BareBridge).Assembly.Location, command, .. args], bareRuntime: true, ready, EnvironmentOf(WorkerEnv));
        var bridge = new WorkerProcess(process, errors, new Uri("about:blank"));
        await bridge.WaitReadyAsync(command, readyTimeout, () => Task.FromResult(ready.Task.IsCompleted));
        return bridge;
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

    private const string WorkerEnv = "BENCH_WORKER_ENV";
    private const string BaselineEnv = "BENCH_BASELINE_ENV";

    /// <summary>The NAME=VALUE;NAME=VALUE pairs of <paramref name="variable"/>; BENCH_BASELINE_ENV unset falls back to BENCH_WORKER_ENV.</summary>
    private static string EnvironmentOf(string variable) =>
        Environment.GetEnvironmentVariable(variable) ?? (variable == BaselineEnv ? EnvironmentOf(WorkerEnv) : "");

    private static (Process Process, List<string> Output) Launch(IEnumerable<string> args, bool bareRuntime, TaskCompletionSource? ready, string environment)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        if (bareRuntime)
        {
            start.Environment["DOTNET_TieredPGO"] = "0";
            start.Environment["DOTNET_gcServer"] = "0";
        }

        // As the images (deploy/docker): socket completions on the epoll threads. An environment-only
        // switch of the runtime, so every process started here gets it; =0 in BENCH_WORKER_ENV turns it off.
        start.Environment["DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS"] = "1";

        // Experiments on the worker alone: BENCH_WORKER_ENV="DOTNET_GCgen0size=0x4000000;NAME=VALUE".
        foreach (var pair in environment.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                start.Environment[pair[..eq]] = pair[(eq + 1)..];
            }
        }

        var process = Process.Start(start)!;
        var output = new List<string>();
        void Keep(string? line)
        {
            if (line is null)
            {
                return;
            }

            if (line == BareBridge.Ready)
            {
                ready?.TrySetResult();
            }

            lock (output)
            {
                if (output.Count < 50)
                {
                    output.Add(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return (process, output);
    }

    private async Task WaitReadyAsync(string name, TimeSpan readyTimeout, Func<Task<bool>> isReady)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(readyTimeout.TotalSeconds * Stopwatch.Frequency);
        while (!await isReady())
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with {_process.ExitCode}:\n{Output}");
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                await DisposeAsync();
                throw new TimeoutException($"{name} was not ready within {readyTimeout}:\n{Output}");
            }

            Sample();
            await Task.Delay(20);
        }
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
