using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Triggers.Core.Hosting;
using Triggers.Core.Tests.Kubernetes;
using Triggers.Core.Tests.Reconcile;
using Triggers.Testing;

namespace Triggers.Core.Tests.Hosting;

/// <summary>
/// Per-trigger metrics past OpenTelemetry's default of 2,000 series per metric: each trigger keeps
/// its own series up to <c>Triggers:Metrics:CardinalityLimit</c>, and a metric that reaches the
/// limit is logged instead of silently merging triggers.
/// </summary>
public sealed class MetricCardinalityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-series-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Every_Trigger_Keeps_Its_Own_Series_Past_OpenTelemetrys_Default_Of_2000()
    {
        const int Triggers = 2_100;
        await WriteTriggersAsync(Triggers);
        await using var app = TestWorkerHost.Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ServerAddress.Of(app.Services) };

        var series = await WaitForReadySeriesAsync(http, Triggers);

        Assert.Equal(Triggers, series.Count);
        Assert.DoesNotContain(series, s => s.Contains("otel_metric_overflow", StringComparison.Ordinal));
        await app.StopAsync();
    }

    [Fact]
    public async Task The_Configured_Limit_Applies_And_Series_Past_It_Are_Merged()
    {
        await WriteTriggersAsync(12);
        await using var app = TestWorkerHost.Build("--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={_folder}", "--Triggers:Metrics:CardinalityLimit=10");
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ServerAddress.Of(app.Services) };

        // Past the limit OpenTelemetry merges the triggers' series into its overflow series.
        await Eventually.WaitUntilAsync(
            async () => ReadySeries(await http.GetStringAsync("/metrics")).Any(s => s.Contains("otel_metric_overflow=\"true\"", StringComparison.Ordinal)),
            "triggers_trigger_ready has an overflow series at a limit of 10 with 12 triggers");
        var own = ReadySeries(await http.GetStringAsync("/metrics")).Count(s => !s.Contains("otel_metric_overflow", StringComparison.Ordinal));
        Assert.InRange(own, 1, 10);
        await app.StopAsync();
    }

    [Fact]
    public void A_Metric_At_The_Limit_Is_Logged_Once_Naming_The_Key()
    {
        var logger = new CapturingLogger<MetricSeriesLimit>();
        var limit = new MetricSeriesLimit(Options.Create(new TriggersOptions { Metrics = { CardinalityLimit = 100 } }), logger);

        limit.Observed("triggers.trigger.ready", 99);
        Assert.Empty(logger.Entries);

        limit.Observed("triggers.trigger.ready", 100);
        limit.Observed("triggers.trigger.ready", 150);
        limit.Observed("triggers.kafka.consumer_lag", 400);

        Assert.Equal(2, logger.Count(1002));
        var entry = Assert.Single(logger.Entries, e => e.Message.Contains("triggers.trigger.ready", StringComparison.Ordinal));
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("reports 100 series", entry.Message, StringComparison.Ordinal);
        Assert.Contains("Triggers:Metrics:CardinalityLimit (100)", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Default_Limit_Covers_Ten_Thousand_Triggers()
    {
        Assert.Equal(10_000, new TriggersOptions().Metrics.CardinalityLimit);
        var errors = new TriggersOptionsValidator().Validate(null, new TriggersOptions { Source = SourceKind.Manifests, ManifestsPath = _folder, Metrics = { CardinalityLimit = 5 } });
        Assert.Contains("Triggers:Metrics:CardinalityLimit must be between 10 and 1000000 (got 5)", errors.FailureMessage, StringComparison.Ordinal);
    }

    private static List<string> ReadySeries(string metrics) =>
        [.. metrics.Split('\n').Where(l => l.StartsWith("triggers_trigger_ready{", StringComparison.Ordinal))];

    private static async Task<List<string>> WaitForReadySeriesAsync(HttpClient http, int count)
    {
        var series = new List<string>();
        await Eventually.WaitUntilAsync(
            async () =>
            {
                series = ReadySeries(await http.GetStringAsync("/metrics"));
                return series.Count(s => s.Contains("reason=\"Subscribed\"", StringComparison.Ordinal) && !s.Contains("otel_metric_overflow", StringComparison.Ordinal)) >= count
                    || series.Any(s => s.Contains("otel_metric_overflow", StringComparison.Ordinal));
            },
            $"{count} triggers reported Subscribed by triggers_trigger_ready",
            TimeSpan.FromMinutes(2));
        return series;
    }

    private async Task WriteTriggersAsync(int count)
    {
        var yaml = new StringBuilder("""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: f
              labels: {function: f}
            """);
        for (var i = 0; i < count; i++)
        {
            yaml.Append($"""

                ---
                apiVersion: kubeless.io/v1beta1
                kind: NATSTrigger
                metadata:
                  name: t-{i}
                spec:
                  topic: series.{i}
                  functionSelector: {"{"}matchLabels: {"{"}function: f{"}}"}
                """);
        }

        await File.WriteAllTextAsync(Path.Combine(_folder, "triggers.yaml"), yaml.ToString());
    }
}
