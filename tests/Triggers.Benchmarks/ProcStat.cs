using System.Globalization;

namespace Triggers.Benchmarks;

/// <summary>CPU time of a process and of its tiered-compilation thread, read from Linux <c>/proc</c>.</summary>
internal static class ProcStat
{
    /// <summary>User plus system CPU seconds process <paramref name="pid"/> used so far (Linux /proc).</summary>
    public static double CpuSeconds(int pid) => StatCpuSeconds($"/proc/{pid}/stat");

    /// <summary>CPU seconds of the ".NET Tiered Compilation Worker" thread of <paramref name="pid"/> (0 while it does not exist).</summary>
    public static double TieringCpuSeconds(int pid)
    {
        var seconds = 0.0;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{pid}/task"))
        {
            try
            {
                // The kernel keeps the first 15 characters of a thread's name.
                if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
                {
                    seconds += StatCpuSeconds(Path.Combine(task, "stat"));
                }
            }
            catch (IOException)
            {
                // The thread ended while it was read.
            }
        }

        return seconds;
    }

    private static double StatCpuSeconds(string path)
    {
        var stat = File.ReadAllText(path);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0; // USER_HZ is 100 on Linux
    }
}
