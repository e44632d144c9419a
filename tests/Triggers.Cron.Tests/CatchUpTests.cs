using System.Globalization;
using Triggers.Cron.Internal;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>Catch-up after a restart (manifests mode, state file), as a Kubernetes CronJob does it.</summary>
public sealed class CatchUpTests
{
    private static DateTimeOffset ParseTime(string? text) => DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Restart_Fires_Only_The_Most_Recent_Missed_Tick_Within_The_Starting_Deadline_And_Counts_The_Rest()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        var (folder, statePath) = CronWorker.NewFolders();
        var now = DateTimeOffset.UtcNow;
        var lastMinute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var lastFired = lastMinute.AddMinutes(-3);
        Directory.CreateDirectory(Path.GetDirectoryName(statePath)!);
        await File.WriteAllTextAsync(statePath, $$"""{ "default/catch-up": { "LastScheduleTime": "{{lastFired:O}}" } }""");
        File.WriteAllText(Path.Combine(folder, "function.yaml"), CronWorker.Function("target", function.Url));
        File.WriteAllText(Path.Combine(folder, "trigger.yaml"), CronWorker.Trigger("catch-up", "target", "*/1 * * * *", "  startingDeadlineSeconds: 3600"));

        await using var worker = await CronWorker.StartAsync(folder, statePath);
        await function.WaitForRequestsAsync(1);
        await worker.WaitForStateAsync("catch-up", s => s.NextScheduleTime is not null, "scheduled");

        // Three ticks were missed (four if a minute turned meanwhile): only the newest fires, late.
        var late = Assert.Single(function.Requests, r => r.Header(CronHeaders.Late) == "true");
        var fired = ParseTime(late.Header(CronHeaders.ScheduledTime));
        Assert.True(fired >= lastMinute && fired <= DateTimeOffset.UtcNow, $"the late fire is for {fired:O}, not the most recent missed tick ({lastMinute:O} or after)");
        Assert.DoesNotContain(function.Requests, r => ParseTime(r.Header(CronHeaders.ScheduledTime)) < lastMinute);
        var metrics = await worker.GetMetricsAsync();
        Assert.Matches("triggers_cron_misses_total\\{[^}]*trigger=\"default/catch-up\"[^}]*\\} [2-3]", metrics);
        await Eventually.WaitUntilAsync(
            () => File.ReadAllText(statePath).Contains(fired.ToString("yyyy-MM-ddTHH:mm", CultureInfo.InvariantCulture), StringComparison.Ordinal),
            "the state file records the tick fired late");
    }

    [Fact]
    public async Task A_Missed_Tick_Older_Than_The_Starting_Deadline_Is_Counted_Not_Fired()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        var (folder, statePath) = CronWorker.NewFolders();
        Directory.CreateDirectory(Path.GetDirectoryName(statePath)!);
        var lastYear = DateTimeOffset.UtcNow.Year - 1;
        await File.WriteAllTextAsync(statePath, $$"""{ "default/yearly": { "LastScheduleTime": "{{lastYear - 1}}-01-01T00:00:00Z" }, "default/yearly-no-deadline": { "LastScheduleTime": "{{lastYear - 1}}-01-01T00:00:00Z" } }""");
        File.WriteAllText(Path.Combine(folder, "function.yaml"), CronWorker.Function("target", function.Url));
        File.WriteAllText(Path.Combine(folder, "yearly.yaml"), CronWorker.Trigger("yearly", "target", "@yearly", "  startingDeadlineSeconds: 60"));
        File.WriteAllText(Path.Combine(folder, "yearly-no-deadline.yaml"), CronWorker.Trigger("yearly-no-deadline", "target", "@yearly"));

        await using var worker = await CronWorker.StartAsync(folder, statePath);

        // Without a deadline only the latest missed tick (1 January) fires, once, late, as Kubernetes does; with a 60 s deadline it is only counted.
        await function.WaitForRequestsAsync(1);
        await worker.WaitForStateAsync("yearly", s => s.NextScheduleTime is not null, "scheduled");
        var metrics = await worker.GetMetricsAsync();
        Assert.Matches("triggers_cron_misses_total\\{[^}]*trigger=\"default/yearly\"", metrics);
        var request = Assert.Single(function.Requests);
        Assert.Equal("yearly-no-deadline", request.Header("event-topic"));
        Assert.Equal("true", request.Header(CronHeaders.Late));
        Assert.Equal($"{DateTimeOffset.UtcNow.Year}-01-01T00:00:00.000Z", request.Header(CronHeaders.ScheduledTime));
    }
}
