using System.Diagnostics;

namespace Triggers.Benchmarks;

/// <summary>
/// A bare bridge (a sub-command of this program) run as its own child process, so that its CPU time
/// is read from /proc as the worker's is, apart from the function server and the load generator here.
/// </summary>
internal sealed class BareBridgeProcess : IAsyncDisposable
{
    private readonly Process _process;

    private BareBridgeProcess(Process process) => _process = process;

    public int Id => _process.Id;

    /// <summary>User plus system CPU seconds the bridge used so far.</summary>
    public double CpuSeconds => WorkerProcess.ProcessCpuSeconds(_process.Id);

    public static BareBridgeProcess Start(string command, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(typeof(BareBridgeProcess).Assembly.Location);
        start.ArgumentList.Add(command);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The same JIT as the workers, which run without dynamic PGO (Directory.Build.props).
        start.Environment["DOTNET_TieredPGO"] = "0";
        foreach (var pair in (Environment.GetEnvironmentVariable("BENCH_WORKER_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (pair.Split('=', 2) is [var key, var value])
            {
                start.Environment[key] = value;
            }
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.Error.WriteLine($"{command}: {line}"); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new BareBridgeProcess(process);
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
}
