using System.Diagnostics;
using System.Globalization;

namespace Triggers.Benchmarks;

/// <summary>
/// <c>BENCH_BARE_SPIN_US</c>: microseconds of busy user-space work the bare bridges add to every
/// event, before its POST. A calibration, not a contender: it shows how a bridge's rate and CPU per
/// event answer a given amount of per-event work on the same cores, so a gap between the worker and
/// a bare bridge can be read as the microseconds of work that make it.
/// </summary>
internal static class SimulatedWork
{
    public const string Variable = "BENCH_BARE_SPIN_US";

    private static readonly long Ticks = (long)(double.Parse(Environment.GetEnvironmentVariable(Variable) ?? "0", CultureInfo.InvariantCulture) * Stopwatch.Frequency / 1e6);

    /// <summary>Spins for the configured time; returns at once when none is set.</summary>
    public static void Spin()
    {
        if (Ticks <= 0)
        {
            return;
        }

        var until = Stopwatch.GetTimestamp() + Ticks;
        while (Stopwatch.GetTimestamp() < until)
        {
            // Busy on purpose: the work must cost CPU, not wait.
        }
    }
}
