using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Cron.Internal;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>The worker end to end: manifests in, real dispatcher, POSTs to a recording function server.</summary>
public sealed class CronWorkerTests
{
    private const string BookFunction = """
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: todo-mutating-handler
          namespace: default
          label:
            app: todo-list
          annotations:
            triggers/endpoint: "{0}"
        spec:
          runtime: php7.3
          timeout: "10"
          handler: todo.handler
          function: |
            <?php
            function handler($event, $context) {{ return "ok"; }}
        """;

    private const string BookTrigger = """
        apiVersion: kubeless.io/v1beta1
        kind: CronJobTrigger
        metadata:
          name: todo-mutating-handler
          namespace: default
          finalizers:
            - kubeless.io/cronjobtrigger
        {0}
        spec:
          function-name: todo-mutating-handler
          schedule: '*/1 * * * *'
        """;

    private static DateTimeOffset ParseTime(string? text) => DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);

    [Fact]
    public async Task Book_CronJobTrigger_With_The_Kubeless_Finalizer_Is_Accepted_And_Fires()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", string.Format(CultureInfo.InvariantCulture, BookFunction, function.Url));
        worker.Write("trigger.yaml", string.Format(CultureInfo.InvariantCulture, BookTrigger, ""));

        var state = await worker.WaitForStateAsync("todo-mutating-handler", s => s.NextScheduleTime is not null, "scheduled");
        Assert.True(state.Condition.Ready, state.Condition.Message);
        Assert.Equal("Scheduled", state.Condition.Reason);
        var next = new DateTimeOffset(state.NextScheduleTime!.Value, TimeSpan.Zero);
        Assert.Equal(0, next.Second);
        Assert.True(next - DateTimeOffset.UtcNow <= TimeSpan.FromMinutes(1), $"next fire {next:O} is within the coming minute");

        // Firing now instead of waiting for the minute: the run-now annotation.
        worker.Write("trigger.yaml", string.Format(CultureInfo.InvariantCulture, BookTrigger, "  annotations:\n    triggers/run-now: \"1\""));
        await function.WaitForRequestsAsync(1);

        var request = function.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Equal("cronjobtriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal("1", request.Header(CronHeaders.RunNow));
        Assert.Empty(request.Body);
        Assert.NotNull(request.Header("event-id"));
        Assert.Equal(200, await worker.GetReadyStatusAsync());
    }

    [Fact]
    public async Task Seconds_Schedule_Fires_Every_Second_With_A_Fresh_Event_Id_And_Time()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("ticker", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("every-second", "ticker", "* * * * * *"));

        await function.WaitForRequestsAsync(3);

        var requests = function.Requests.Take(3).ToList();
        var scheduled = requests.Select(r => ParseTime(r.Header(CronHeaders.ScheduledTime))).ToList();
        Assert.All(scheduled, t => Assert.Equal(0, t.Millisecond));
        Assert.Equal(TimeSpan.FromSeconds(1), scheduled[1] - scheduled[0]);
        Assert.Equal(TimeSpan.FromSeconds(1), scheduled[2] - scheduled[1]);
        Assert.Equal(3, requests.Select(r => r.Header("event-id")).Distinct().Count());
        Assert.All(requests, r => Assert.True(Guid.TryParse(r.Header("event-id"), out _), r.Header("event-id")));
        Assert.Equal(3, requests.Select(r => r.Header("event-time")).Distinct().Count());
        for (var i = 0; i < 3; i++)
        {
            // Fired at, not before, its second.
            Assert.True(ParseTime(requests[i].Header("event-time")) >= scheduled[i], $"event-time {requests[i].Header("event-time")} is not before the tick {scheduled[i]:O}");
            Assert.Null(requests[i].Header(CronHeaders.Late));
        }
    }

    [Fact]
    public async Task Payload_Is_Posted_As_Json_With_The_Contract_Headers()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("cleanup", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("with-payload", "cleanup", "* * * * * *", """
              payload:
                action: purge
                olderThanDays: 30
                tags: [a, b]
            """));

        await function.WaitForRequestsAsync(1);

        var request = function.Requests[0];
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("event-type"));
        Assert.Equal("cronjobtriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal("1.0", request.Header("ce-specversion"));
        Assert.Equal(request.Header("event-id"), request.Header("ce-id"));
        Assert.NotNull(request.Header("traceparent"));
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal("purge", body.RootElement.GetProperty("action").GetString());
        Assert.Equal(30, body.RootElement.GetProperty("olderThanDays").GetInt32());
        Assert.Equal(2, body.RootElement.GetProperty("tags").GetArrayLength());
    }

    [Fact]
    public async Task No_Payload_Posts_An_Empty_Body()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("empty", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("no-payload", "empty", "* * * * * *"));

        await function.WaitForRequestsAsync(1);

        var request = function.Requests[0];
        Assert.Equal("POST", request.Method);
        Assert.Empty(request.Body);
        Assert.Equal("cronjobtriggers.kubeless.io", request.Header("event-namespace"));
        Assert.NotNull(request.Header("event-id"));
        Assert.NotNull(request.Header("event-time"));
    }

    [Fact]
    public async Task Forbid_Skips_Ticks_While_A_Slow_Call_Runs()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromMilliseconds(2500));
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("slow", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("forbid", "slow", "* * * * * *"));

        await function.WaitForRequestsAsync(2);

        Assert.Equal(1, function.MaxConcurrent);
        var first = ParseTime(function.Requests[0].Header(CronHeaders.ScheduledTime));
        var second = ParseTime(function.Requests[1].Header(CronHeaders.ScheduledTime));
        Assert.True(second - first >= TimeSpan.FromSeconds(2), $"ticks during the slow call were skipped ({first:O} then {second:O})");
        var metrics = await worker.GetMetricsAsync();
        Assert.Contains("triggers_cron_skips", metrics, StringComparison.Ordinal);
        Assert.Contains("reason=\"forbid\"", metrics, StringComparison.Ordinal);
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
    public async Task Invalid_Triggers_Get_Clear_Reasons_And_Do_Not_Affect_Others()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("target", function.Url));
        worker.Write("bad-schedule.yaml", CronWorker.Trigger("bad-schedule", "target", "61 * * * *"));
        worker.Write("bad-zone.yaml", CronWorker.Trigger("bad-zone", "target", "* * * * *", "  timeZone: Mars/Olympus_Mons"));
        worker.Write("unknown-function.yaml", CronWorker.Trigger("unknown-function", "no-such-function", "* * * * * *"));
        worker.Write("no-schedule.yaml", """
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: no-schedule
            spec:
              function-name: target
            """);
        worker.Write("no-target.yaml", """
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: no-target
            spec:
              schedule: '* * * * *'
            """);
        worker.Write("bad-policy.yaml", CronWorker.Trigger("bad-policy", "target", "* * * * *", "  concurrencyPolicy: Sometimes"));
        worker.Write("good.yaml", CronWorker.Trigger("good", "target", "* * * * * *"));

        await function.WaitForRequestsAsync(2);
        await worker.WaitForStateAsync("bad-policy", _ => true, "planned");

        using var status = await worker.GetStatusAsync();
        var triggers = status.RootElement.GetProperty("triggers").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        AssertCondition(triggers["good"], true, "Scheduled", "schedule * * * * * *");
        AssertCondition(triggers["bad-schedule"], false, "InvalidSchedule", "minute field \"61\": 61 is above the maximum 59");
        AssertCondition(triggers["bad-zone"], false, "InvalidTimeZone", "Mars/Olympus_Mons");
        AssertCondition(triggers["unknown-function"], false, "FunctionNotFound", "Function default/no-such-function (spec.function-name) does not exist");
        AssertCondition(triggers["no-schedule"], false, "MissingSchedule", "spec.schedule is required");
        AssertCondition(triggers["no-target"], false, "MissingTarget", "spec.function-name");
        AssertCondition(triggers["bad-policy"], false, "InvalidSpec", "spec.concurrencyPolicy");
        Assert.All(function.Requests, r => Assert.Equal("good", r.Header("event-topic")));
    }

    [Fact]
    public async Task Status_Reports_Last_Successful_And_Next_Schedule_Times()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("target", function.Url));
        worker.Write("trigger.yaml", CronWorker.Trigger("timed", "target", "* * * * * *"));

        await function.WaitForRequestsAsync(1);
        var state = await worker.WaitForStateAsync("timed", s => s.LastSuccessfulTime is not null, "a success is recorded");

        Assert.NotNull(state.LastScheduleTime);
        Assert.NotNull(state.NextScheduleTime);
        Assert.True(state.NextScheduleTime > state.LastScheduleTime);
        Assert.True(state.LastSuccessfulTime >= state.LastScheduleTime);
        using var status = await worker.GetStatusAsync();
        var timed = status.RootElement.GetProperty("triggers").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "timed");
        Assert.Equal(JsonValueKind.String, timed.GetProperty("lastScheduleTime").ValueKind);
        Assert.Equal(JsonValueKind.String, timed.GetProperty("nextScheduleTime").ValueKind);
    }

    [Fact]
    public async Task Run_Now_Fires_Once_Per_New_Annotation_Value()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var worker = await CronWorker.StartAsync();
        worker.Write("function.yaml", CronWorker.Function("target", function.Url));

        // Yearly: nothing fires during the test but run-now. The value present at first sight is not new.
        worker.Write("trigger.yaml", CronWorker.Trigger("manual", "target", "@yearly", runNow: "a"));
        await worker.WaitForStateAsync("manual", s => s.NextScheduleTime is not null, "scheduled");
        worker.Write("trigger.yaml", CronWorker.Trigger("manual", "target", "@yearly", runNow: "b"));
        await function.WaitForRequestsAsync(1);
        worker.Write("trigger.yaml", CronWorker.Trigger("manual", "target", "@yearly", runNow: "c"));
        await function.WaitForRequestsAsync(2);

        Assert.Equal(["b", "c"], function.Requests.Select(r => r.Header(CronHeaders.RunNow)));
        Assert.Equal(2, function.Requests.Select(r => r.Header("event-id")).Distinct().Count());
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
        worker.Write("trigger.yaml", CronWorker.Trigger("manual", "target", "@yearly", runNow: "a"));
        await Eventually.WaitUntilAsync(() => scheduler.Keys.Any(k => k.StartsWith("default/manual/", StringComparison.Ordinal)), "the trigger is scheduled");

        worker.Write("trigger.yaml", "");
        await Eventually.WaitUntilAsync(() => !scheduler.Keys.Any(k => k.StartsWith("default/manual/", StringComparison.Ordinal)), "the trigger is gone");
        worker.Write("trigger.yaml", CronWorker.Trigger("manual", "target", "@yearly", runNow: "b"));
        await function.WaitForRequestsAsync(1);

        Assert.Equal("b", function.Requests[0].Header(CronHeaders.RunNow));
    }

    private static void AssertCondition(JsonElement trigger, bool ready, string reason, string message)
    {
        Assert.Equal(ready, trigger.GetProperty("ready").GetBoolean());
        Assert.Equal(reason, trigger.GetProperty("reason").GetString());
        Assert.Contains(message, trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
