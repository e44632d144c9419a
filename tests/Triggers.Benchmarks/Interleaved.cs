using System.Diagnostics;
using System.Globalization;

namespace Triggers.Benchmarks;

/// <summary>
/// Bridges measured in turns (A, B, A, B, ...) in one run, so the shared machine's load hits every
/// side alike. Each turn publishes the same messages to one side's subject and times them to the
/// function; CPU per message is read from /proc for that side's process, nats-server and this one.
/// </summary>
internal static class Interleaved
{
    public static async Task<IReadOnlyList<Row>> RunAsync(string scenario, string natsUrl, int natsPid, BenchFunction function, byte[] payload, int n, int rounds, IReadOnlyList<Contender> contenders)
    {
        var warmUp = Environment.GetEnvironmentVariable("BENCH_WARMUP") is { Length: > 0 } w ? int.Parse(w, CultureInfo.InvariantCulture) : Load.WarmUp;
        foreach (var c in contenders)
        {
            // As for direct: every side's hot path is JIT-tiered and connected before it is measured.
            await MeasureAsync(c, () => NatsScenarios.PublishAndWaitAsync(natsUrl, c.Subject, function, warmUp, payload, rate: null));
        }

        var rows = new List<Row>();
        var turns = contenders.ToDictionary(c => c.Mode, _ => new List<(double Rate, double CpuUs)>());
        var self = Process.GetCurrentProcess();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var c in contenders)
            {
                self.Refresh();
                var allocatedBefore = await c.Process.AllocatedBytesAsync();
                var (selfBefore, before, natsBefore) = (self.TotalProcessorTime, c.Process.CpuSeconds, ProcStat.CpuSeconds(natsPid));
                var run = await MeasureAsync(c, () => NatsScenarios.PublishAndWaitAsync(natsUrl, c.Subject, function, n, payload, rate: null));
                self.Refresh();
                var cpuUs = (c.Process.CpuSeconds - before) * 1e6 / n;
                var allocated = await c.Process.AllocatedBytesAsync() - allocatedBefore is { } bytes ? string.Create(CultureInfo.InvariantCulture, $", allocated {bytes / n:0} B/msg") : "";
                turns[c.Mode].Add((run.Rate, cpuUs));
                rows.Add(new Row(scenario, $"{c.Mode} (round {round})", n, run.Rate, run.P50, run.P99, c.Process.PeakRssMb, c.Process.CpuSeconds, string.Create(CultureInfo.InvariantCulture,
                    $"CPU us/msg: {c.Mode} {cpuUs:0.0}, nats-server {(ProcStat.CpuSeconds(natsPid) - natsBefore) * 1e6 / n:0.0}, publisher + function {(self.TotalProcessorTime - selfBefore).TotalMicroseconds / n:0.0}{allocated}")));
            }
        }

        foreach (var c in contenders)
        {
            var t = turns[c.Mode];
            rows.Add(new Row(scenario, $"{c.Mode} (median of {rounds})", n * rounds, Median(t.Select(x => x.Rate)), double.NaN, double.NaN, c.Process.PeakRssMb, c.Process.CpuSeconds,
                string.Create(CultureInfo.InvariantCulture, $"CPU {Median(t.Select(x => x.CpuUs)):0.0} us/msg (rounds {string.Join(" / ", t.Select(x => x.CpuUs.ToString("0.0", CultureInfo.InvariantCulture)))})")));
        }

        // Every side against the first (the bare bridge), and the workers also against the bare bridge
        // that sends their headers (contender "contract", BENCH_BARE_CONTRACT=1) when it ran.
        foreach (var other in contenders.Skip(1))
        {
            rows.Add(Versus(scenario, n * rounds, other.Mode, turns[other.Mode], contenders[0].Mode, turns[contenders[0].Mode]));
            if (other.Mode is not ContractHeaders.Kind && turns.TryGetValue(ContractHeaders.Kind, out var contract))
            {
                rows.Add(Versus(scenario, n * rounds, other.Mode, turns[other.Mode], ContractHeaders.Kind, contract));
            }
        }

        foreach (var c in contenders)
        {
            using var trace = c.Process.StartTrace($"{scenario}-{c.Mode}", 8);
            if (trace is not null)
            {
                // Unmeasured: a profile of each side under the same load (BENCH_TRACE).
                await Task.Delay(TimeSpan.FromSeconds(2));
                while (!trace.HasExited)
                {
                    await NatsScenarios.PublishAndWaitAsync(natsUrl, c.Subject, function, n, payload, rate: null);
                }
            }
        }

        return rows;
    }

    private static async Task<T> MeasureAsync<T>(Contender c, Func<Task<T>> run)
    {
        try
        {
            return await run();
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{c.Mode}: {e.Message}; its output:\n{c.Process.Output}", e);
        }
    }

    /// <summary>One side's rate and CPU per message against another's: medians, and the rate ratio per round.</summary>
    private static Row Versus(string scenario, int n, string mode, List<(double Rate, double CpuUs)> side, string baseMode, List<(double Rate, double CpuUs)> against)
    {
        var ratios = side.Zip(against, (w, b) => w.Rate / b.Rate).ToList();
        return new Row(scenario, $"{mode} / {baseMode}", n, double.NaN, double.NaN, double.NaN, Note: string.Create(CultureInfo.InvariantCulture,
            $"rate {Median(side.Select(x => x.Rate)) / Median(against.Select(x => x.Rate)):0.00}x (per round {string.Join(" / ", ratios.Select(r => r.ToString("0.00", CultureInfo.InvariantCulture)))}); CPU per msg {Median(side.Select(x => x.CpuUs)) / Median(against.Select(x => x.CpuUs)):0.00}x"));
    }

    /// <summary>The median of <paramref name="values"/> (NaN when there are none).</summary>
    internal static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
