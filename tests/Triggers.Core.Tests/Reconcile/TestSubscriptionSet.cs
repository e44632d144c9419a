using System.Collections.Concurrent;
using Triggers.Core.Reconcile;

namespace Triggers.Core.Tests.Reconcile;

public sealed class TestSubscriptionSet : ISubscriptionSet<TestPlan>
{
    public ConcurrentDictionary<string, TestPlan> Running { get; } = new();

    public ConcurrentQueue<string> Journal { get; } = new();

    /// <summary>Topics whose subscription fails to start, as a broker might refuse them.</summary>
    public ConcurrentDictionary<string, bool> Refuse { get; } = new();

    public Task UpsertAsync(TestPlan plan, CancellationToken cancellationToken)
    {
        if (Refuse.ContainsKey(plan.Topic))
        {
            throw new InvalidOperationException($"broker refused {plan.Topic}");
        }

        Journal.Enqueue($"upsert {plan.Key} {plan.Topic}");
        Running[plan.Key] = plan;
        return Task.CompletedTask;
    }

    public Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        Journal.Enqueue($"remove {key}");
        Running.TryRemove(key, out _);
        return Task.CompletedTask;
    }

    /// <summary>Keys whose clean-up fails, as a broker that is down would make it.</summary>
    public ConcurrentDictionary<string, bool> FailCleanUp { get; } = new();

    public Task CleanUpAsync(TestPlan plan, CancellationToken cancellationToken)
    {
        if (FailCleanUp.ContainsKey(plan.Key))
        {
            Journal.Enqueue($"cleanup-failed {plan.Key}");
            throw new InvalidOperationException($"broker down for {plan.Key}");
        }

        Journal.Enqueue($"cleanup {plan.Key}");
        return Task.CompletedTask;
    }

    public Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        Journal.Enqueue("remove-all");
        Running.Clear();
        return Task.CompletedTask;
    }
}
