using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Triggers.Core.Kubernetes;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Testing;

namespace Triggers.Core.Tests.Reconcile;

/// <summary>The Degraded condition: kept beside Ready, written at most once per interval per trigger, cleared by a later event.</summary>
public sealed class TriggerHealthReporterTests : IDisposable
{
    private static readonly ResourceKind Kind = ResourceKind.NatsTrigger;
    private static readonly ResourceKey Bad = new("ns", "bad");
    private static readonly TriggerCondition Subscribed = new(true, "Subscribed", "1 subscription");
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly TriggerStatusStore _store;
    private readonly RecordingWriter _writer = new();
    private readonly TriggerHealthReporter _reporter;

    public TriggerHealthReporterTests()
    {
        _store = new TriggerStatusStore(_time);
        _reporter = new TriggerHealthReporter(_store, new TriggerStatusPublisher(_store, _writer), _time, NullLogger<TriggerHealthReporter>.Instance);
    }

    public void Dispose() => _reporter.Dispose();

    [Fact]
    public async Task A_Failure_Degrades_Its_Trigger_At_Once_And_A_Hot_Failure_Writes_At_Most_Once_Per_Interval()
    {
        _store.SetCondition(Kind, Bad, 1, Subscribed, 1);
        var health = _reporter.Track(Kind, Bad);

        health.Failed(ConditionReasons.MessageHandlingFailed, "handling a message on orders", new InvalidOperationException("boom\nsecond line"));
        await Eventually.WaitUntilAsync(() => _writer.Writes.Count == 1, "the first failure is written at once");
        var degraded = _writer.Writes.Single().Degraded!;
        Assert.True(degraded.Degraded);
        Assert.Equal(ConditionReasons.MessageHandlingFailed, degraded.Reason);
        Assert.Equal("handling a message on orders threw InvalidOperationException: boom", degraded.Message);
        Assert.Equal(Subscribed, _writer.Writes.Single().Condition);

        for (var i = 0; i < 1000; i++)
        {
            health.Failed(ConditionReasons.MessageHandlingFailed, "handling a message on orders", new InvalidOperationException($"boom {i}"));
        }

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.Single(_writer.Writes);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.WaitUntilAsync(() => _writer.Writes.Count == 2, "one more write after the interval, with the latest error");
        Assert.Equal("handling a message on orders threw InvalidOperationException: boom 999", _writer.Writes[1].Degraded!.Message);
        Assert.Equal(degraded.LastTransitionTime, _writer.Writes[1].Degraded!.LastTransitionTime);
    }

    [Fact]
    public async Task A_Later_Event_Handled_Clears_It_And_The_Ready_Condition_Keeps_Its_Meaning()
    {
        _store.SetCondition(Kind, Bad, 1, Subscribed, 1);
        var health = _reporter.Track(Kind, Bad);
        health.Failed(ConditionReasons.MessageHandlingFailed, "handling a message on orders", new InvalidOperationException("boom"));
        await Eventually.WaitUntilAsync(() => _writer.Writes.Count == 1, "the failure is written");

        // A reconciler pass records Ready again: Degraded stays with the trigger.
        _store.SetCondition(Kind, Bad, 2, Subscribed, 1);
        Assert.True(_store.Get(Kind, Bad)!.Degraded!.Degraded);

        health.Handled();
        Assert.False(_store.Get(Kind, Bad)!.Degraded!.Degraded);
        _time.Advance(TimeSpan.FromSeconds(10));
        await Eventually.WaitUntilAsync(() => _writer.Writes.Count == 2, "the recovery is written after the interval");
        var recovered = _writer.Writes[1];
        Assert.Equal(ConditionReasons.Recovered, recovered.Degraded!.Reason);
        Assert.False(recovered.Degraded.Degraded);
        Assert.Equal(Subscribed, recovered.Condition);
        Assert.Equal(2, recovered.ObservedGeneration);

        var patch = KubernetesStatusWriter.BuildPatch(recovered);
        var conditions = patch["status"]!["conditions"]!.AsArray();
        Assert.Equal(["Ready", "Degraded"], conditions.Select(c => (string?)c!["type"]));
        Assert.Equal("False", (string?)conditions[1]!["status"]);
        Assert.Equal("Recovered", (string?)conditions[1]!["reason"]);
    }

    [Fact]
    public async Task A_Trigger_Stays_Degraded_While_Another_Of_Its_Subscriptions_Fails_And_Recovers_When_That_One_Stops()
    {
        _store.SetCondition(Kind, Bad, 1, Subscribed, 2);
        var one = _reporter.Track(Kind, Bad);
        var two = _reporter.Track(Kind, Bad);
        var other = _reporter.Track(Kind, new ResourceKey("ns", "good"));
        one.Failed(ConditionReasons.MessageHandlingFailed, "one", new InvalidOperationException("boom"));
        two.Failed(ConditionReasons.MessageHandlingFailed, "two", new InvalidOperationException("boom"));
        other.Handled();

        one.Handled();
        Assert.True(_store.Get(Kind, Bad)!.Degraded!.Degraded);
        two.Dispose();
        Assert.False(_store.Get(Kind, Bad)!.Degraded!.Degraded);
        Assert.Contains("stopped", _store.Get(Kind, Bad)!.Degraded!.Message, StringComparison.Ordinal);
        Assert.Null(_store.Get(Kind, new ResourceKey("ns", "good")));
        await Eventually.WaitUntilAsync(() => _writer.Writes.Count >= 1, "written");
        Assert.All(_writer.Writes, w => Assert.Equal(Bad, w.Trigger));
    }

    [Fact]
    public void A_Failure_Before_The_Triggers_First_Pass_Is_Kept_For_It()
    {
        _reporter.Track(Kind, Bad).Failed(ConditionReasons.MessageHandlingFailed, "early", new InvalidOperationException(new string('x', 500)));

        var (state, _) = _store.SetCondition(Kind, Bad, 1, Subscribed, 1);

        Assert.True(state.Degraded!.Degraded);
        Assert.Equal("early threw InvalidOperationException: ".Length + TriggerHealthReporter.MaxErrorLength + 3, state.Degraded.Message.Length);
    }

    private sealed class RecordingWriter : ITriggerStatusWriter
    {
        private readonly ConcurrentQueue<TriggerState> _writes = new();

        public IReadOnlyList<TriggerState> Writes => [.. _writes];

        public Task WriteAsync(TriggerState state, CancellationToken cancellationToken)
        {
            _writes.Enqueue(state);
            return Task.CompletedTask;
        }
    }
}
