using System.Diagnostics;

namespace Triggers.Benchmarks;

/// <summary>A profiler (perf, dotnet-trace) run beside a benchmark: its output is drained and dropped, it writes its own file.</summary>
internal static class BackgroundTool
{
    public static Process Start(string tool, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}
