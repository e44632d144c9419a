
namespace Triggers.Core.Reconcile;

/// <summary>
/// The running subscriptions of a worker: the one narrow interface between the watch side and
/// the dispatch side (docs/architecture.md, house rule 3).
/// </summary>
public interface ISubscriptionSet<in TPlan>
    where TPlan : SubscriptionPlan
{
    /// <summary>Starts the subscription, or replaces the running one with the same key.</summary>
    Task UpsertAsync(TPlan plan, CancellationToken cancellationToken);

    /// <summary>
    /// Starts or replaces several subscriptions with distinct keys, as <see cref="UpsertAsync"/>
    /// would one by one; one that fails never keeps the others from starting. Returns, per plan,
    /// null when it runs or the exception that stopped it (cancellation is thrown, not returned).
    /// The default starts them one at a time; a set whose starts wait on the network may overlap them.
    /// </summary>
    async Task<Exception?[]> UpsertManyAsync(IReadOnlyList<TPlan> plans, CancellationToken cancellationToken)
    {
        var results = new Exception?[plans.Count];
        for (var i = 0; i < plans.Count; i++)
        {
            try
            {
                await UpsertAsync(plans[i], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                results[i] = e;
            }
        }

        return results;
    }

    /// <summary>Stops the subscription with this key; a no-op when none runs.</summary>
    Task RemoveAsync(string key, CancellationToken cancellationToken);

    /// <summary>Stops every subscription (shutdown, lost leadership).</summary>
    Task RemoveAllAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The trigger of <paramref name="plan"/> was deleted by its owner and the subscription is not
    /// running here (any more): deletes what was created for it outside this process, such as a
    /// JetStream durable consumer. Called on every replica, so it must succeed when the thing is
    /// already gone. Never called on a plain stop (shutdown, a trigger leaving this worker's
    /// selector), where other replicas or workers still use it. The default has nothing to delete.
    /// </summary>
    Task CleanUpAsync(TPlan plan, CancellationToken cancellationToken) => Task.CompletedTask;
}
