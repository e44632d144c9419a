using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Triggers.Core.Dispatch;

namespace Triggers.Testing;

/// <summary>
/// A worker's dispatcher that throws (an unexpected failure while handling an event, not a function's
/// error answer) for the events a test picks while <see cref="Throwing"/> is on, and hands every
/// other event to the worker's real HTTP dispatcher.
/// </summary>
public sealed class ThrowingDispatcher(Func<TriggerEvent, bool> throwFor) : IEventDispatcher
{
    public const string ErrorText = "injected failure";

    private IEventDispatcher? _inner;
    private int _thrown;
    private volatile bool _throwing = true;

    /// <summary>On at first; off, every event goes to the function.</summary>
    public bool Throwing
    {
        get => _throwing;
        set => _throwing = value;
    }

    /// <summary>How many dispatches threw.</summary>
    public int Thrown => Volatile.Read(ref _thrown);

    /// <summary>Puts a dispatcher throwing for events on <paramref name="topic"/> in place of the worker's own, which it wraps.</summary>
    public static ThrowingDispatcher ForTopic(IServiceCollection services, string topic)
    {
        var dispatcher = new ThrowingDispatcher(e => e.Topic == topic);
        services.Replace(ServiceDescriptor.Singleton<IEventDispatcher>(sp =>
        {
            dispatcher._inner = ActivatorUtilities.CreateInstance<HttpEventDispatcher>(sp);
            return dispatcher;
        }));
        return dispatcher;
    }

    public ValueTask<DispatchResult> DispatchAsync(TriggerEvent triggerEvent, FunctionEndpoint target, DeliveryPolicy policy, CancellationToken cancellationToken)
    {
        if (_throwing && throwFor(triggerEvent))
        {
            Interlocked.Increment(ref _thrown);
            throw new InvalidOperationException($"{ErrorText} for an event on {triggerEvent.Topic}");
        }

        return (_inner ?? throw new InvalidOperationException("not installed with ForTopic")).DispatchAsync(triggerEvent, target, policy, cancellationToken);
    }
}
