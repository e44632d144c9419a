using System.Globalization;
using System.Text.Json;
using Triggers.Cron.Internal;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>The worker end to end: manifests in, real dispatcher, POSTs to a recording function server; the Kubeless event contract of a tick.</summary>
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

    internal static DateTimeOffset ParseTime(string? text) => DateTimeOffset.Parse(text!, CultureInfo.InvariantCulture);

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
}
