using Microsoft.Extensions.DependencyInjection;
using Triggers.Cron.Internal;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>The worker end to end: what a trigger controls (concurrency policy, suspend, the run-now annotation), seen at a recording function server.</summary>
public sealed class CronWorkerControlTests
{
    [Fact]
    public async Task Forbid_Skips_Ticks_While_A_Slow_Call_Runs()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromMilliseconds(2500));
        await using var worker = await CronWorker.StartAsync();

        // This worker's own skips, read from its own meter (ConcurrencyPolicyTests has a "forbid" trigger too).
        using var meter = new WorkerMeterReader(worker.Services);
        worker.Write("function.yaml", CronWorker.Function("slow", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("forbid", "slow", "* * * * * *"));

        await function.WaitForRequestsAsync(2);

        Assert.Equal(1, function.MaxConcurrent);
        var first = CronWorkerTests.ParseTime(function.Requests[0].Header(CronHeaders.ScheduledTime));
        var second = CronWorkerTests.ParseTime(function.Requests[1].Header(CronHeaders.ScheduledTime));
        Assert.True(second - first >= TimeSpan.FromSeconds(2), $"ticks during the slow call were skipped ({first:O} then {second:O})");
        Assert.True(meter.Sum("triggers.cron.skips", ("reason", "forbid")) > 0, "the worker counted the skipped ticks with reason forbid");
    }

    [Fact]
    public async Task Allow_Overlaps_Slow_Calls()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromSeconds(3));
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("slow", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("allow", "slow", "* * * * * *", "  concurrencyPolicy: Allow"));

        await Eventually.WaitUntilAsync(() => function.MaxConcurrent >= 2, "two calls overlap");
    }

    [Fact]
    public async Task Suspend_Stops_Firing_While_Other_Triggers_Go_On()
    {
        await using var suspended = await RecordingFunctionServer.StartAsync();
        await using var control = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("functions.yaml", CronWorker.Function("paused", suspended.Url) + "\n---\n" + CronWorker.Function("control", control.Url));
        worker.Write("control.yaml", CronWorker.Trigger("control", "control", "* * * * * *"));
        worker.Write("trigger.yaml", CronWorker.Trigger("paused", "paused", "* * * * * *"));
        await suspended.WaitForRequestsAsync(1);

        worker.Write("trigger.yaml", CronWorker.Trigger("paused", "paused", "* * * * * *", "  suspend: true"));
        var state = await worker.WaitForStateAsync("paused", s => s.Condition.Reason == "Suspended" && s.NextScheduleTime is null, "suspended");
        Assert.True(state.Condition.Ready);
        var before = suspended.Count;
        var controlBefore = control.Count;
        await control.WaitForRequestsAsync(controlBefore + 3);

        Assert.Equal(before, suspended.Count);
    }

    [Fact]
    public async Task Run_Now_Fires_Once_Per_New_Annotation_Value()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await StartWithYearlyTriggerAsync(function, "manual");
        RunNow(worker, "manual", "b");
        await function.WaitForRequestsAsync(1);
        RunNow(worker, "manual", "c");
        await function.WaitForRequestsAsync(2);

        Assert.Equal(["b", "c"], function.Requests.Select(r => r.Header(CronHeaders.RunNow)));
        Assert.Equal(2, function.Requests.Select(r => r.Header("event-id")).Distinct().Count());
    }

    [Fact]
    public async Task Run_Now_Waits_For_The_Call_In_Flight_Under_Forbid_Instead_Of_Being_Skipped()
    {
        // Forbid is the default. Nobody waits for an answer to the annotation, so a new value that
        // arrives while the previous call still runs must fire once that call ends, never overlap it.
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromSeconds(3));
        await using var worker = await StartWithYearlyTriggerAsync(function, "held");
        RunNow(worker, "held", "b");
        await function.WaitForRequestsAsync(1);

        RunNow(worker, "held", "c");
        await function.WaitForRequestsAsync(2);

        Assert.Equal(["b", "c"], function.Requests.Select(r => r.Header(CronHeaders.RunNow)));
        Assert.Equal(1, function.MaxConcurrent);
    }

    [Fact]
    public async Task Run_Now_Fires_A_New_Value_Even_When_The_Trigger_Vanished_In_Between()
    {
        // A manifest read mid-write (truncated file) makes a trigger vanish for one pass; when it
        // comes back with a new run-now value, that value is new, not "present at first sight".
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        var scheduler = worker.Services.GetRequiredService<CronScheduler>();
        worker.Write("function.yaml", CronWorker.Function("target", function.Url));
        RunNow(worker, "manual", "a");
        await Eventually.WaitUntilAsync(() => scheduler.Keys.Any(k => k.StartsWith("default/manual/", StringComparison.Ordinal)), "the trigger is scheduled");

        worker.Write("trigger.yaml", "");
        await Eventually.WaitUntilAsync(() => !scheduler.Keys.Any(k => k.StartsWith("default/manual/", StringComparison.Ordinal)), "the trigger is gone");
        RunNow(worker, "manual", "b");
        await function.WaitForRequestsAsync(1);

        Assert.Equal("b", function.Requests[0].Header(CronHeaders.RunNow));
    }

    /// <summary>
    /// A worker with the Function "target" at <paramref name="function"/> and a yearly trigger
    /// <paramref name="name"/> for it, scheduled. Yearly: nothing fires during a test but run-now.
    /// Its run-now value "a" is present at first sight, so it is not new and does not fire.
    /// </summary>
    private static async Task<CronWorker> StartWithYearlyTriggerAsync(RecordingFunctionServer function, string name)
    {
        var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("target", function.Url));
        RunNow(worker, name, "a");
        await worker.WaitForStateAsync(name, s => s.NextScheduleTime is not null, "scheduled");
        return worker;
    }

    private static void RunNow(CronWorker worker, string name, string value) =>
        worker.Write("trigger.yaml", CronWorker.Trigger(name, "target", "@yearly", runNow: value));
}
