using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Triggers.Core.Hosting;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Reconcile;

/// <summary>A minimal worker over NATSTriggers: one plan per (trigger, function), recorded instead of subscribed.</summary>
public sealed record TestPlan : SubscriptionPlan
{
    public required string Topic { get; init; }

    public required Uri Url { get; init; }
}

public sealed class TestPlanner(FunctionResolver resolver) : ITriggerPlanner<NatsTrigger, TestPlan>
{
    public ResourceKind Kind => ResourceKind.NatsTrigger;

    public TriggerPlan<TestPlan> Plan(NatsTrigger trigger, ResourceSnapshot snapshot)
    {
        if (trigger.Spec.Topic == "explode")
        {
            throw new InvalidOperationException("planner bug");
        }

        if (!LabelSelector.TryCompile(trigger.Spec.FunctionSelector, out var selector, out var error))
        {
            return TriggerPlan<TestPlan>.Invalid("InvalidSelector", error!);
        }

        var functions = resolver.Resolve(snapshot, trigger.Namespace, selector);
        var plans = functions.Endpoints.Select(f => new TestPlan
        {
            Key = $"{trigger.Namespace}/{trigger.Name}/{f.Name}",
            Trigger = ResourceKey.Of(trigger),
            Revision = $"{trigger.Spec.Topic}|{f.Url}",
            Topic = trigger.Spec.Topic!,
            Url = f.Url,
        }).ToList();
        return new(plans, plans.Count == 0 ? new(false, "NoMatchingFunctions", "no function matches") : new(true, "Subscribed", $"{plans.Count} functions"));
    }
}

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

/// <summary>The test worker hosted the way a real worker is: shared defaults, its reconciler, the endpoints, a free port.</summary>
public static class TestWorkerHost
{
    public static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTriggersDefaults(ResourceKind.NatsTrigger, "test");
        builder.Services.AddTriggerReconciler<NatsTrigger, TestPlan, TestPlanner, TestSubscriptionSet>();
        var app = builder.Build();
        app.MapTriggersEndpoints();
        return app;
    }
}
