using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Triggers.Core.Hosting;
using Triggers.Dev.Internal;
using Triggers.Testing;

namespace Triggers.Dev.Tests;

/// <summary>
/// Every metric that deploy/monitoring (dashboard, alerts, KEDA objects) names is one the workers
/// export, under the name the Prometheus exporter really gives it (suffixes such as _total,
/// _seconds_bucket included), and docs/metrics.md lists every one of them.
/// </summary>
public sealed partial class MonitoringMetricNamesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-metrics-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Every_Metric_Named_By_Monitoring_Is_Exported_By_The_Workers_And_Documented()
    {
        var named = NamedByMonitoring();
        Assert.Contains("triggers_kafka_consumer_lag", named);
        Assert.Contains("triggers_trigger_ready", named);

        // Counters and histograms appear on /metrics once they have a measurement. A zero added to
        // each one makes the exporter print every instrument the workers create, whatever happened.
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter.Name == TriggerMetrics.MeterName)
                {
                    lock (instruments)
                    {
                        instruments.Add(instrument);
                    }
                }
            },
        };

        // One trigger of each kind, all calling a recording function, so that Kafka commits and
        // reports lag for a real partition.
        await using var function = await RecordingFunctionServer.StartAsync();
        var manifests = Directory.CreateDirectory(Path.Combine(_folder, "manifests")).FullName;
        var topic = $"metrics-{Guid.NewGuid():N}";
        File.WriteAllText(Path.Combine(manifests, "triggers.yaml"), $$$"""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: fn
              labels: {function: fn}
              annotations: {triggers/endpoint: "{{{function.Url}}}"}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: KafkaTrigger
            metadata: {name: orders}
            spec: {topic: {{{topic}}}, initialOffset: earliest, functionSelector: {matchLabels: {function: fn} } }
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata: {name: items}
            spec: {topic: {{{topic}}}, functionSelector: {matchLabels: {function: fn} } }
            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata: {name: tick}
            spec: {schedule: "0 0 1 1 *", function-name: fn}
            """);
        await using var runner = await LocalRunner.StartAsync(
            new RunSettings(manifests, null, null, Path.Combine(_folder, "cron-state.json"), Path.Combine(_folder, "session.json"), Verbose: false),
            CancellationToken.None);
        await Eventually.WaitUntilAsync(() => runner.AllReady, "every worker is ready", TimeSpan.FromSeconds(90));
        listener.Start();
        lock (instruments)
        {
            foreach (var instrument in instruments)
            {
                Touch(instrument);
            }
        }

        // librdkafka reports a partition's lag once its group committed an offset there: give it a record.
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = runner.KafkaBootstrap }).Build())
        {
            await producer.ProduceAsync(topic, new Message<string, string> { Key = "metrics-test", Value = "{}" });
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var exported = new HashSet<string>(StringComparer.Ordinal);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!named.IsSubsetOf(exported) && DateTime.UtcNow < deadline)
        {
            foreach (var worker in runner.Workers)
            {
                exported.UnionWith(SampleNames(await http.GetStringAsync(new Uri(worker.Address, "metrics"))));
            }

            await Task.Delay(200);
        }

        Assert.True(named.IsSubsetOf(exported),
            $"missing: {string.Join(", ", named.Except(exported))}; exported: {string.Join(", ", exported.Where(n => n.StartsWith("triggers_", StringComparison.Ordinal)).Order(StringComparer.Ordinal))}");

        var documented = File.ReadAllText(RepositoryFiles.PathOf("docs/metrics.md"));
        var families = exported.Where(n => n.StartsWith("triggers_", StringComparison.Ordinal)).Select(Family).ToHashSet(StringComparer.Ordinal);
        Assert.All(families, family => Assert.True(documented.Contains($"`{family}", StringComparison.Ordinal), $"docs/metrics.md documents {family}"));
    }

    /// <summary><c>triggers_*</c> names in the dashboard, the alerts and the KEDA objects.</summary>
    private static HashSet<string> NamedByMonitoring()
    {
        var folder = RepositoryFiles.PathOf("deploy/monitoring");
        return Directory.EnumerateFiles(folder)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .SelectMany(f => MetricName().Matches(File.ReadAllText(f)).Select(m => m.Value))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static IEnumerable<string> SampleNames(string exposition) =>
        exposition.Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])]);

    private static string Family(string sample) =>
        sample.EndsWith("_bucket", StringComparison.Ordinal) ? sample[..^7]
        : sample.EndsWith("_count", StringComparison.Ordinal) ? sample[..^6]
        : sample.EndsWith("_sum", StringComparison.Ordinal) ? sample[..^4]
        : sample;

    private static void Touch(Instrument instrument)
    {
        switch (instrument)
        {
            case Counter<long> c: c.Add(0); break;
            case Counter<int> c: c.Add(0); break;
            case Counter<double> c: c.Add(0); break;
            case UpDownCounter<long> u: u.Add(0); break;
            case UpDownCounter<int> u: u.Add(0); break;
            case Histogram<double> h: h.Record(0); break;
            case Histogram<long> h: h.Record(0); break;
            case Gauge<long> g: g.Record(0); break;
            case Gauge<double> g: g.Record(0); break;
            default: break; // observable instruments report through their callbacks
        }
    }

    [GeneratedRegex(@"\btriggers_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
