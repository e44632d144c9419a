using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Triggers.Core.Dispatch;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>Concurrency policies observed at the dispatcher: a test double that holds every call until it is cancelled or released.</summary>
public sealed class ConcurrencyPolicyTests
{
    [Fact]
    public async Task Replace_Cancels_The_Running_Call_When_The_Next_Tick_Fires()
    {
        var dispatcher = new HoldingDispatcher();
        await using var worker = await CronWorker.StartAsync(s => s.Replace(ServiceDescriptor.Singleton<IEventDispatcher>(dispatcher)));
        worker.Write("function.yaml", CronWorker.Function("slow", new Uri("http://127.0.0.1:9/")));
        worker.Write("trigger.yaml", CronWorker.Trigger("replace", "slow", "* * * * * *", "  concurrencyPolicy: Replace"));

        await Eventually.WaitUntilAsync(() => dispatcher.Calls.Count >= 2, "a second tick fired while the first call ran");
        await Eventually.WaitUntilAsync(() => dispatcher.Calls[0].Cancelled, "the first call was cancelled");

        Assert.False(dispatcher.Calls[0].Released);
        Assert.NotEqual(dispatcher.Calls[0].Event.Id, dispatcher.Calls[1].Event.Id);
    }

    [Fact]
    public async Task Forbid_Starts_No_Call_While_One_Runs_And_Fires_Again_Once_It_Ends()
    {
        var dispatcher = new HoldingDispatcher();
        await using var worker = await CronWorker.StartAsync(s => s.Replace(ServiceDescriptor.Singleton<IEventDispatcher>(dispatcher)));
        worker.Write("function.yaml", CronWorker.Function("slow", new Uri("http://127.0.0.1:9/")));
        worker.Write("trigger.yaml", CronWorker.Trigger("forbid", "slow", "* * * * * *"));
        await Eventually.WaitUntilAsync(() => dispatcher.Calls.Count >= 1, "the first tick fired");

        // Ticks go on while the call is held: wait until the worker has counted some skips.
        await Eventually.WaitUntilAsync(async () => (await worker.GetMetricsAsync()).Contains("reason=\"forbid\"", StringComparison.Ordinal), "a tick was skipped");
        Assert.Single(dispatcher.Calls);

        dispatcher.Calls[0].Release();
        await Eventually.WaitUntilAsync(() => dispatcher.Calls.Count >= 2, "a tick fires after the call ended");
        Assert.False(dispatcher.Calls[0].Cancelled);
    }

    [Fact]
    public async Task Allow_Keeps_Every_Call_Running()
    {
        var dispatcher = new HoldingDispatcher();
        await using var worker = await CronWorker.StartAsync(s => s.Replace(ServiceDescriptor.Singleton<IEventDispatcher>(dispatcher)));
        worker.Write("function.yaml", CronWorker.Function("slow", new Uri("http://127.0.0.1:9/")));
        worker.Write("trigger.yaml", CronWorker.Trigger("allow", "slow", "* * * * * *", "  concurrencyPolicy: Allow"));

        await Eventually.WaitUntilAsync(() => dispatcher.Calls.Count >= 3, "three ticks fired");

        Assert.DoesNotContain(dispatcher.Calls.Take(3), c => c.Cancelled);
    }

    private sealed class HoldingDispatcher : IEventDispatcher
    {
        private readonly ConcurrentQueue<Call> _calls = new();

        public IReadOnlyList<Call> Calls => [.. _calls];

        public async ValueTask<DispatchResult> DispatchAsync(TriggerEvent triggerEvent, FunctionEndpoint target, DeliveryPolicy policy, CancellationToken cancellationToken)
        {
            var call = new Call(triggerEvent);
            _calls.Enqueue(call);
            try
            {
                await call.Gate.Task.WaitAsync(cancellationToken);
                return new DispatchResult(DispatchOutcome.Delivered, 200, ReadOnlyMemory<byte>.Empty, null, 1, null, TimeSpan.Zero);
            }
            catch (OperationCanceledException)
            {
                call.Cancelled = true;
                throw;
            }
        }
    }

    private sealed class Call(TriggerEvent triggerEvent)
    {
        public TriggerEvent Event { get; } = triggerEvent;

        public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public volatile bool Cancelled;

        public bool Released => Gate.Task.IsCompleted;

        public void Release() => Gate.TrySetResult();
    }
}
