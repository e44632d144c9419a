using System.Diagnostics;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>The worker as its own OS process (the built Triggers.Kafka.dll), so that a test can kill it hard.</summary>
internal sealed class ChildWorker : IDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _tail = new();

    private ChildWorker(Process process) => _process = process;

    /// <summary>The last lines the worker wrote, for failure messages.</summary>
    public string Tail
    {
        get
        {
            lock (_tail)
            {
                return string.Join('\n', _tail);
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public static ChildWorker Start(IReadOnlyDictionary<string, string> settings)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Triggers.Kafka.dll"));
        foreach (var arg in WorkerSettings.Args(settings))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the worker process");
        var worker = new ChildWorker(process);
        process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// SIGTERM, as Kubernetes sends it on a rolling update: the worker stops taking records, lets
    /// in-flight POSTs finish and commits. Returns once the process exited (false when it did not
    /// within <paramref name="timeout"/>).
    /// </summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().ConfigureAwait(false);
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGKILL: no drain, no commit, no leaving the group.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            KillHard();
        }

        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 50)
            {
                _tail.Dequeue();
            }
        }
    }
}
