using System.Globalization;
using System.Text.Json;
using Triggers.Benchmarks;

// dotnet run -c Release --project tests/Triggers.Benchmarks -- SCENARIO [--n N] [--rounds R] [--pairs P] [--out FILE]
// Scenarios: nats, nats-bare, jetstream, nats-slow, kafka, kafka-scale, triggers-scale, cron-scale, all, or a comma-separated list (e.g. kafka,kafka);
// polly-ab (not in all): DeliveryHandler against a Polly.Core pipeline, P alternating pairs of N messages.
// The bare bridges run as child processes of this program: bare-core URL SUBJECT FUNCTION [contract], bare-jetstream URL STREAM SUBJECT FUNCTION,
// and `bare-kafka ...` (BareKafkaBridge), which the kafka scenario starts.
switch (args)
{
    case [BareKafkaBridge.Command, .. var bareArgs]:
        return BareKafkaBridge.Run(bareArgs);
    case ["bare-core", var url, var subject, var function, .. var rest]:
        await BareCoreBridge.RunAsync(url, subject, new Uri(function), contract: rest is [ContractHeaders.Kind]);
        return 0;
    case ["bare-jetstream", var url, var stream, var subject, var function]:
        await BareJetStreamBridge.RunAsync(url, stream, subject, new Uri(function));
        return 0;
}

var scenario = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) ?? "all";
int? n = Option("--n") is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;
var rounds = Option("--rounds") is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : 3;
var outFile = Option("--out") ?? Path.Combine("artifacts", "benchmarks", $"{scenario}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json");

Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024 * 1024.0):0.0} GiB, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
var rows = new List<Row>();
var scenarios = scenario == "all" ? new[] { "nats", "jetstream", "nats-slow", "kafka", "kafka-scale", "triggers-scale", "cron-scale" } : scenario.Split(',');
foreach (var s in scenarios)
{
    Console.WriteLine($"== {s}");
    IReadOnlyList<Row> result;
    try
    {
        result = await RunScenarioAsync(s);
    }
    catch (ArgumentException e)
    {
        // A scenario that cannot run as asked (unknown name, --n too large) says why, without a stack trace.
        await Console.Error.WriteLineAsync(e.Message);
        return 2;
    }

    rows.AddRange(result);
    Table.Print(result);
}

Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
await File.WriteAllTextAsync(outFile, JsonSerializer.Serialize(new { machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription }, rows }, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals }));
Console.WriteLine($"results: {outFile}");
return 0;

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

async Task<IReadOnlyList<Row>> RunScenarioAsync(string s) => s switch
{
    "nats" => await NatsScenarios.ThroughputAsync(n ?? 100_000, rounds, baselines: true),
    "nats-bare" => await NatsScenarios.ThroughputAsync(n ?? 100_000, rounds, baselines: false),
    "jetstream" => await JetStreamScenario.RunAsync(n ?? 100_000, rounds),
    "nats-slow" => await NatsScenarios.SlowFunctionAsync(n ?? 20_000),
    "kafka" => await KafkaScenario.RunAsync(n ?? 100_000, rounds),
    "kafka-scale" => await KafkaScaleScenario.RunAsync(n ?? 1_000),
    "triggers-scale" => await ScaleScenarios.TriggersAsync(n ?? 10_000),
    "cron-scale" => await ScaleScenarios.CronAsync(n ?? 10_000),
    "polly-ab" => await PollyAbScenario.RunAsync(n ?? 50_000, Option("--pairs") is { } pairs ? int.Parse(pairs, CultureInfo.InvariantCulture) : 6),
    _ => throw new ArgumentException($"unknown scenario '{s}' (nats, nats-bare, jetstream, nats-slow, kafka, kafka-scale, triggers-scale, cron-scale, polly-ab, all)"),
};

/// <summary>Prints rows as an aligned table.</summary>
internal static class Table
{
    public static void Print(IEnumerable<Row> rows)
    {
        Console.WriteLine($"{"mode",-34} {"msgs",8} {"msgs/s",10} {"p50 ms",8} {"p99 ms",8} {"RSS MB",8} {"CPU s",7}  note");
        foreach (var r in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Mode,-34} {r.Messages,8} {r.MessagesPerSecond,10:0} {r.P50Ms,8:0.00} {r.P99Ms,8:0.00} {r.PeakRssMb,8:0} {r.CpuSeconds,7:0.0}  {r.Note}"));
        }
    }
}
