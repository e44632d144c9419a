using System.Collections.Concurrent;
using System.Diagnostics;
using Triggers.Testing;

namespace Triggers.Dev.Tests;

/// <summary><c>triggers-dev</c> run as a real process, the way a user runs it.</summary>
internal sealed class DevProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private DevProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public IReadOnlyList<string> Output => [.. _output];

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static DevProcess Start(string sessionPath, params string[] args) => Start(new ProcessStartInfo("dotnet") { ArgumentList = { Dll } }, sessionPath, args);

    /// <summary>Starts <paramref name="start"/> (dotnet triggers-dev.dll, or an installed tool) with the given session file and arguments.</summary>
    public static DevProcess Start(ProcessStartInfo start, string sessionPath, params string[] args)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["TRIGGERS_DEV_SESSION"] = sessionPath;
        var process = Process.Start(start)!;
        var dev = new DevProcess(process);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { dev._output.Enqueue(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { dev._output.Enqueue("stderr: " + e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return dev;
    }

    /// <summary>Runs a command to its end and returns exit code and output.</summary>
    public static Task<(int ExitCode, string Output)> RunAsync(string sessionPath, params string[] args) =>
        RunAsync(new ProcessStartInfo("dotnet") { ArgumentList = { Dll } }, sessionPath, args);

    /// <summary>Runs <paramref name="start"/> to its end (its working directory and environment as set) and returns exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, string sessionPath, params string[] args)
    {
        await using var dev = Start(start, sessionPath, args);
        await dev._process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        dev._process.WaitForExit(); // flushes the asynchronous output readers
        return (dev._process.ExitCode, string.Join('\n', dev.Output));
    }

    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null) =>
        Eventually.WaitUntilAsync(() => _output.Any(l => l.Contains(text, StringComparison.Ordinal)) || _process.HasExited,
            $"triggers-dev printed \"{text}\"; output so far:\n{string.Join('\n', _output)}", timeout ?? TimeSpan.FromSeconds(90));

    /// <summary>Sends SIGTERM (what Ctrl+C or a container stop does) and waits for the exit.</summary>
    public async Task<int> TerminateAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _process.WaitForExit();
        return _process.ExitCode;
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

    public static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    public static string Dll => RepositoryFiles.PathOf(Path.Combine("triggers", "Triggers.Dev", "bin", RepositoryFiles.Configuration, "net10.0", "triggers-dev.dll"));
}
