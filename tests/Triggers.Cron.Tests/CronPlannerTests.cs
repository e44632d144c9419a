using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Cron.Internal;

namespace Triggers.Cron.Tests;

public sealed class CronPlannerTests
{
    private const string BookManifests = """
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: todo-mutating-handler
          namespace: kiamol-ch21
          label:
            app: todo-list
        spec:
          runtime: php7.3
          handler: todo.handler
          timeout: "10"
          function: |
            <?php
            function handler($event, $context) { return "cleaned"; }
        ---
        apiVersion: kubeless.io/v1beta1
        kind: CronJobTrigger
        metadata:
          name: todo-mutating-handler
          namespace: kiamol-ch21
          finalizers:
          - kubeless.io/cronjobtrigger
        spec:
          function-name: todo-mutating-handler
          schedule: '*/1 * * * *'
        """;

    private static readonly CronPlanner Planner = new(
        new FunctionResolver(Options.Create(new TriggersOptions())),
        new DeliveryPolicyResolver(Options.Create(new TriggersOptions())));

    private static (ResourceSnapshot Snapshot, CronJobTrigger[] Triggers) Load(string yaml)
    {
        var loaded = ManifestLoader.LoadText(yaml, "test.yaml", "default");
        Assert.Empty(loaded.Problems);
        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.Service, ResourceKind.CronJobTrigger]);
        foreach (var kind in cache.Kinds)
        {
            cache.Replace(kind, loaded.Resources.Where(r => r.Kind == kind).Select(r => r.Resource));
        }

        var snapshot = cache.Snapshot();
        return (snapshot, [.. snapshot.All<CronJobTrigger>(ResourceKind.CronJobTrigger)]);
    }

    private static string Functions(params string[] names) => string.Join("\n---\n", names.Select(n => $"""
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: {n}
          labels:
            app: cleanup
            function: {n}
        spec:
          handler: h.run
        """));

    [Fact]
    public void Book_CronJobTrigger_Plans_One_Every_Minute_Schedule_For_The_Function_By_Name()
    {
        var (snapshot, triggers) = Load(BookManifests);

        var plan = Planner.Plan(Assert.Single(triggers), snapshot);

        Assert.True(plan.Condition.Ready, plan.Condition.Message);
        Assert.Equal("Scheduled", plan.Condition.Reason);
        var schedule = Assert.Single(plan.Subscriptions);
        Assert.Equal("kiamol-ch21/todo-mutating-handler/todo-mutating-handler", schedule.Key);
        Assert.Equal(new Uri("http://todo-mutating-handler.kiamol-ch21.svc.cluster.local:8080/"), schedule.Function.Url);
        Assert.Equal("*/1 * * * *", schedule.Schedule.Text);
        Assert.False(schedule.HasPayload);
        Assert.True(schedule.Body.IsEmpty);
        Assert.Equal(ConcurrencyPolicy.Forbid, schedule.Concurrency);
        Assert.Null(schedule.StartingDeadline);
    }

    [Fact]
    public void Function_Selector_Schedules_Every_Matching_Function()
    {
        var (snapshot, triggers) = Load(Functions("a", "b", "c") + """

            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: fan-out
            spec:
              schedule: '@hourly'
              functionSelector:
                matchExpressions:
                - {key: function, operator: In, values: [a, c]}
            """);

        var plan = Planner.Plan(Assert.Single(triggers), snapshot);

        Assert.True(plan.Condition.Ready, plan.Condition.Message);
        Assert.Equal(["default/fan-out/a", "default/fan-out/c"], plan.Subscriptions.Select(s => s.Key));
    }

    [Theory]
    [InlineData("function-name: a\n  functionSelector: {matchLabels: {app: cleanup}}", "InvalidSpec", "not both")]
    [InlineData("functionSelector: {matchLabels: {app: nothing}}", "NoMatchingFunctions", "no Function in namespace default matches")]
    [InlineData("functionSelector: {matchExpressions: [{key: app, operator: Near}]}", "InvalidSelector", "spec.functionSelector")]
    [InlineData("function-name: a\n  delivery: {maxAttempts: 0}", "InvalidDelivery", "spec.delivery.maxAttempts")]
    [InlineData("function-name: a\n  startingDeadlineSeconds: -5", "InvalidSpec", "spec.startingDeadlineSeconds")]
    [InlineData("function-name: a\n  startingDeadlineSeconds: 100000000000", "InvalidSpec", "spec.startingDeadlineSeconds")]
    [InlineData("function-name: a\n  startingDeadlineSeconds: 604801", "InvalidSpec", "spec.startingDeadlineSeconds")]
    [InlineData("function-name: a\n  concurrencyPolicy: forbid", "InvalidSpec", "must be Allow, Forbid or Replace")]
    [InlineData("function-name: a\n  concurrencyPolicy: \"1\"", "InvalidSpec", "must be Allow, Forbid or Replace")]
    [InlineData("function-name: missing", "FunctionNotFound", "Function default/missing (spec.function-name) does not exist")]
    public void Invalid_Specs_Get_A_Reason_And_A_Message_Naming_The_Field(string spec, string reason, string message)
    {
        var (snapshot, triggers) = Load(Functions("a") + $"""

            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: broken
            spec:
              schedule: '* * * * *'
              {spec}
            """);

        var plan = Planner.Plan(Assert.Single(triggers), snapshot);

        Assert.False(plan.Condition.Ready);
        Assert.Equal(reason, plan.Condition.Reason);
        Assert.Contains(message, plan.Condition.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Subscriptions);
    }

    [Fact]
    public void A_Bad_Endpoint_Annotation_Is_Reported()
    {
        var (snapshot, triggers) = Load("""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: a
              annotations:
                triggers/endpoint: "not a url"
            spec:
              handler: h.run
            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: t
            spec:
              schedule: '* * * * *'
              function-name: a
            """);

        var plan = Planner.Plan(Assert.Single(triggers), snapshot);

        Assert.False(plan.Condition.Ready);
        Assert.Equal("InvalidFunctionEndpoint", plan.Condition.Reason);
        Assert.Contains("triggers/endpoint", plan.Condition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Now_Changes_The_Revision_But_Not_The_Schedule()
    {
        var (snapshot1, first) = Load(Functions("a") + "\n---\n" + CronWorker.Trigger("t", "a", "* * * * *", runNow: "1"));
        var (snapshot2, second) = Load(Functions("a") + "\n---\n" + CronWorker.Trigger("t", "a", "* * * * *", runNow: "2"));
        var (snapshot3, third) = Load(Functions("a") + "\n---\n" + CronWorker.Trigger("t", "a", "*/2 * * * *", runNow: "2"));

        var a = Assert.Single(Planner.Plan(first[0], snapshot1).Subscriptions);
        var b = Assert.Single(Planner.Plan(second[0], snapshot2).Subscriptions);
        var c = Assert.Single(Planner.Plan(third[0], snapshot3).Subscriptions);

        Assert.NotEqual(a.Revision, b.Revision);
        Assert.Equal(a.ScheduleRevision, b.ScheduleRevision);
        Assert.NotEqual(b.ScheduleRevision, c.ScheduleRevision);
        Assert.Equal("2", b.RunNow);
    }

    [Fact]
    public void Payload_Of_Any_Json_Kind_Is_Serialised_As_Json()
    {
        var (snapshot, triggers) = Load(Functions("a") + "\n---\n" + CronWorker.Trigger("t", "a", "* * * * *", "  payload: \"hello\""));

        var plan = Assert.Single(Planner.Plan(triggers[0], snapshot).Subscriptions);

        Assert.True(plan.HasPayload);
        Assert.Equal("\"hello\"", System.Text.Encoding.UTF8.GetString(plan.Body.Span));
    }

    [Fact]
    public void Tick_Event_Ids_Are_New_Per_Tick_And_Function_But_Stable_For_A_Refired_Tick()
    {
        var (snapshot, triggers) = Load(Functions("a", "b") + "\n---\n" + """
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: t
            spec:
              schedule: '* * * * *'
              functionSelector: {matchLabels: {app: cleanup}}
            """);
        var plans = Planner.Plan(triggers[0], snapshot).Subscriptions;
        var tick = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

        var id = CronEvent.TickId(plans[0], tick);

        Assert.Equal(id, CronEvent.TickId(plans[0], tick));
        Assert.NotEqual(id, CronEvent.TickId(plans[0], tick.AddMinutes(1)));
        Assert.NotEqual(id, CronEvent.TickId(plans[1], tick));
        Assert.Equal('8', id[14]);
    }

    [Theory]
    [InlineData("default/t/a")]
    [InlineData("a-namespace-name-of-sixty-three-characters-abcdefghijklmnopqrstu/trigger/functions-whose-names-are-long-and-non-ascii-ääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääääää")]
    public void Tick_Event_Id_Is_The_Sha256_Of_Key_And_Ticks_So_Ids_Stay_Stable_Across_Versions(string key)
    {
        var (snapshot, triggers) = Load(Functions("a") + "\n---\n" + """
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: t
            spec:
              schedule: '* * * * *'
              function-name: a
            """);
        var plan = Planner.Plan(triggers[0], snapshot).Subscriptions[0] with { Key = key };
        var tick = new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{key}@{tick.UtcTicks}"));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        Assert.Equal(new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString(), CronEvent.TickId(plan, tick));
    }
}
