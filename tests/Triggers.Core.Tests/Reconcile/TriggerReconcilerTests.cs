using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Testing;

namespace Triggers.Core.Tests.Reconcile;

public sealed class TriggerReconcilerTests : IAsyncLifetime
{
    private readonly ResourceCache _cache = new([ResourceKind.Function, ResourceKind.Service, ResourceKind.NatsTrigger]);
    private readonly TestSubscriptionSet _set = new();
    private readonly TriggerStatusStore _status = new(TimeProvider.System);
    private readonly ReconcilerState _state = new();
    private readonly TriggerStatusPublisher _publisher;
    private readonly TriggerHealthReporter _health;
    private TriggerReconciler<NatsTrigger, TestPlan> _reconciler = null!;

    public TriggerReconcilerTests()
    {
        _publisher = new TriggerStatusPublisher(_status, new NullTriggerStatusWriter());
        _health = new TriggerHealthReporter(_status, _publisher, TimeProvider.System, NullLogger<TriggerHealthReporter>.Instance);
    }

    public async Task InitializeAsync()
    {
        var resolver = new FunctionResolver(Options.Create(new TriggersOptions()));
        _reconciler = new TriggerReconciler<NatsTrigger, TestPlan>(_cache, new TestPlanner(resolver), _set, _status, _publisher, new NullTriggerFinalizer(), _state, TimeProvider.System, NullLogger<TriggerReconciler<NatsTrigger, TestPlan>>.Instance);
        await _reconciler.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _reconciler.StopAsync(CancellationToken.None);
        _health.Dispose();
    }

    private static Function Fn(string name, string ns = "ns") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["function"] = name }, ResourceVersion = "1" },
    };

    private static NatsTrigger Trigger(string name, string topic, string function, string version = "1", string ns = "ns") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, ResourceVersion = version, Generation = long.Parse(version, System.Globalization.CultureInfo.InvariantCulture) },
        Spec = new NatsTriggerSpec { Topic = topic, FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = function } } },
    };

    private void Sync(IEnumerable<Function> functions, IEnumerable<NatsTrigger> triggers)
    {
        _cache.Replace(ResourceKind.Service, []);
        _cache.Replace(ResourceKind.Function, functions);
        _cache.Replace(ResourceKind.NatsTrigger, triggers);
    }

    private TriggerState? StatusOf(string name) => _status.Get(ResourceKind.NatsTrigger, new ResourceKey("ns", name));

    [Fact]
    public async Task Not_Ready_Before_The_First_Full_Sync_Then_Ready_With_Subscriptions_Running()
    {
        Assert.False(_state.IsReady);
        Sync([Fn("audit")], [Trigger("t", "events.todo.newitem", "audit")]);
        await Eventually.WaitUntilAsync(() => _state.IsReady, "the reconciler is ready");
        Assert.Equal("events.todo.newitem", _set.Running["ns/t/audit"].Topic);
        Assert.Equal("Subscribed", StatusOf("t")!.Condition.Reason);
        Assert.Equal(1, StatusOf("t")!.ObservedGeneration);
    }

    [Fact]
    public async Task A_Full_Pass_Starts_Every_Wanted_Subscription_Again_And_Reports_One_That_Fails_On_Its_Trigger()
    {
        Sync([Fn("audit"), Fn("billing")], [Trigger("a", "s.a", "audit"), Trigger("b", "s.b", "billing")]);
        await Eventually.WaitUntilAsync(() => _set.Running.Count == 2 && _state.IsReady, "both subscriptions run");

        // A set that stopped its work on its own (lost leadership) gets it back through a full pass.
        await _set.RemoveAllAsync(CancellationToken.None);
        _set.Refuse["s.b"] = true;
        _state.RequestFullPass();

        await Eventually.WaitUntilAsync(() => _set.Running.ContainsKey("ns/a/audit") && StatusOf("b")?.Condition.Reason == "SubscribeFailed", "a runs again and b reports its failure");
        Assert.True(StatusOf("a")!.Condition.Ready);
        Assert.False(StatusOf("b")!.Condition.Ready);
        Assert.Equal(2, _set.Journal.Count(e => e == "upsert ns/a/audit s.a"));
    }

    [Fact]
    public async Task A_Changed_Topic_Stops_The_Old_Subscription_Before_Starting_The_New_One()
    {
        Sync([Fn("audit")], [Trigger("t", "old.subject", "audit")]);
        await Eventually.WaitUntilAsync(() => _set.Running.TryGetValue("ns/t/audit", out var p) && p.Topic == "old.subject", "the first subscription runs");

        _cache.Upsert(ResourceKind.NatsTrigger, Trigger("t", "new.subject", "audit", version: "2"));
        await Eventually.WaitUntilAsync(() => _set.Running.TryGetValue("ns/t/audit", out var p) && p.Topic == "new.subject", "the subscription moved to the new topic");
        Assert.Equal(["upsert ns/t/audit old.subject", "upsert ns/t/audit new.subject"], _set.Journal);
        Assert.Equal(2, StatusOf("t")!.ObservedGeneration);
    }

    [Fact]
    public async Task Deleting_A_Function_Stops_Its_Subscription_And_Reports_No_Match()
    {
        Sync([Fn("audit")], [Trigger("t", "s", "audit")]);
        await Eventually.WaitUntilAsync(() => _set.Running.ContainsKey("ns/t/audit"), "the subscription runs");
        _cache.Delete(ResourceKind.Function, new ResourceKey("ns", "audit"));
        await Eventually.WaitUntilAsync(() => _set.Running.IsEmpty && StatusOf("t")?.Condition.Reason == "NoMatchingFunctions", "the subscription stopped and the trigger reports no match");
        Assert.False(StatusOf("t")!.Condition.Ready);
        Assert.Contains("remove ns/t/audit", _set.Journal);
    }

    [Fact]
    public async Task Deleting_A_Trigger_Stops_Its_Subscriptions_And_Forgets_Its_Status()
    {
        Sync([Fn("audit")], [Trigger("t", "s", "audit")]);
        await Eventually.WaitUntilAsync(() => _set.Running.ContainsKey("ns/t/audit"), "the subscription runs");
        _cache.Delete(ResourceKind.NatsTrigger, new ResourceKey("ns", "t"));
        await Eventually.WaitUntilAsync(() => _set.Running.IsEmpty && StatusOf("t") is null, "the trigger is gone");
    }

    [Fact]
    public async Task Trigger_Churn_Leaves_No_Status_Gate_Or_Health_Entry_Behind()
    {
        var names = Enumerable.Range(0, 20).Select(i => $"churn-{i}").ToArray();
        for (var round = 1; round <= 3; round++)
        {
            var generation = round;
            Sync([Fn("audit")], names.Select(n => Trigger(n, "s", "audit", generation.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            await Eventually.WaitUntilAsync(() => names.All(n => StatusOf(n)?.ObservedGeneration == generation), "every trigger's status is recorded");

            // Some subscriptions failed on an event, then stopped (a Recovered write waits for the write interval).
            foreach (var name in names.Take(5))
            {
                using var subscription = _health.Track(ResourceKind.NatsTrigger, new ResourceKey("ns", name));
                subscription.Failed(ConditionReasons.MessageHandlingFailed, "handling a message", new InvalidOperationException("boom"));
            }

            await Eventually.WaitUntilAsync(() => _publisher.TrackedTriggers == names.Length, "each trigger has its status gate");
            Assert.Equal(5, _health.TrackedTriggers);

            _cache.Replace(ResourceKind.NatsTrigger, []);
            await Eventually.WaitUntilAsync(
                () => names.All(n => StatusOf(n) is null) && _publisher.TrackedTriggers == 0 && _health.TrackedTriggers == 0,
                "the deleted triggers leave no status, status gate or health entry behind");
        }
    }

    [Fact]
    public async Task A_Bad_Trigger_Never_Stops_The_Others()
    {
        var badSelector = Trigger("bad", "s", "audit");
        badSelector.Spec.FunctionSelector!.MatchExpressions = [new V1LabelSelectorRequirement { Key = "function", OperatorProperty = "Equals", Values = ["x"] }];
        Sync([Fn("audit"), Fn("other")], [badSelector, Trigger("buggy", "explode", "audit"), Trigger("good", "s", "other")]);

        await Eventually.WaitUntilAsync(() => _state.IsReady && StatusOf("bad") is not null && StatusOf("buggy") is not null, "every trigger was planned and the pass completed");
        Assert.Equal("InvalidSelector", StatusOf("bad")!.Condition.Reason);
        Assert.Contains("matchExpressions[0].operator", StatusOf("bad")!.Condition.Message);
        Assert.False(StatusOf("bad")!.Condition.Ready);
        Assert.Equal("PlanFailed", StatusOf("buggy")!.Condition.Reason);
        Assert.True(StatusOf("good")!.Condition.Ready);
        Assert.True(_set.Running.ContainsKey("ns/good/other"), "the valid trigger runs");
    }

    [Fact]
    public async Task A_Subscription_That_Fails_To_Start_Is_Retried_And_Blocks_Readiness_Until_It_Runs()
    {
        _set.Refuse["refused.subject"] = true;
        Sync([Fn("audit"), Fn("other")], [Trigger("refused", "refused.subject", "audit"), Trigger("fine", "fine.subject", "other")]);
        await Eventually.WaitUntilAsync(() => StatusOf("refused")?.Condition.Reason == "SubscribeFailed", "the failure is reported");
        Assert.Contains("broker refused", StatusOf("refused")!.Condition.Message);
        Assert.True(_set.Running.ContainsKey("ns/fine/other"));
        Assert.False(_state.IsReady);

        _set.Refuse.Clear();
        await Eventually.WaitUntilAsync(() => _set.Running.ContainsKey("ns/refused/audit"), "the retry started the subscription");
        await Eventually.WaitUntilAsync(() => _state.IsReady && StatusOf("refused")!.Condition.Ready, "the trigger became ready");
    }

    [Fact]
    public async Task Stopping_Removes_Every_Subscription()
    {
        Sync([Fn("audit")], [Trigger("t", "s", "audit")]);
        await Eventually.WaitUntilAsync(() => _set.Running.ContainsKey("ns/t/audit"), "the subscription runs");
        await _reconciler.StopAsync(CancellationToken.None);
        Assert.Empty(_set.Running);
        Assert.Equal("remove-all", _set.Journal.Last());
    }
}
