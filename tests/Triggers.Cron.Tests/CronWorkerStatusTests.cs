using System.Text.Json;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>The worker end to end: trigger conditions and cron times in /status and the status store.</summary>
public sealed class CronWorkerStatusTests
{
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

    private static void AssertCondition(JsonElement trigger, bool ready, string reason, string message)
    {
        Assert.Equal(ready, trigger.GetProperty("ready").GetBoolean());
        Assert.Equal(reason, trigger.GetProperty("reason").GetString());
        Assert.Contains(message, trigger.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
