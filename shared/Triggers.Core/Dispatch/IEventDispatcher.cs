namespace Triggers.Core.Dispatch;

/// <summary>POSTs events to functions with the contract's headers and resilience.</summary>
public interface IEventDispatcher
{
    ValueTask<DispatchResult> DispatchAsync(TriggerEvent triggerEvent, FunctionEndpoint target, DeliveryPolicy policy, CancellationToken cancellationToken);
}
