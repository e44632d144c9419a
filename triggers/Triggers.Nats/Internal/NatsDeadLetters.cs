using NATS.Client.Core;
using NATS.Client.JetStream;
using Triggers.Core.Dispatch;

namespace Triggers.Nats.Internal;

/// <summary>
/// Writes dead letters: the original body and headers plus <see cref="DeadLetterHeaders"/>. From a
/// JetStream trigger the dead letter is a JetStream publish that must be acknowledged by a stream
/// capturing the subject; from core NATS it is a plain publish (nothing could hold the event anyway).
/// </summary>
internal sealed class NatsDeadLetters(NatsConnectionHolder connection)
{
    /// <summary>Publishes the dead letter; returns null when done (acknowledged if <paramref name="acknowledged"/>), else why not.</summary>
    public async Task<string?> WriteAsync(
        SubscriptionContext context, TriggerEvent triggerEvent, string subject, byte[]? body, NatsHeaders? headers, DispatchResult result, int attempts, bool acknowledged, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var letter = new NatsHeaders();
        if (headers is not null)
        {
            foreach (var (key, value) in headers)
            {
                letter[key] = value;
            }
        }

        foreach (var (key, value) in DeadLetterHeaders.Describe(plan.Trigger, plan.Function, triggerEvent.Id, subject, result, attempts))
        {
            letter[key] = value;
        }

        letter[NatsHeaderNames.OriginalSubject] = subject;
        try
        {
            if (!acknowledged)
            {
                await connection.Connection.PublishAsync(plan.DeadLetterSubject!, body ?? [], letter, cancellationToken: cancellationToken).ConfigureAwait(false);
                return null;
            }

            var js = new NatsJSContext(connection.Connection);
            var ack = await js.PublishAsync(plan.DeadLetterSubject!, body ?? [], headers: letter, cancellationToken: cancellationToken).ConfigureAwait(false);
            ack.EnsureSuccess();
            return null;
        }
        catch (NatsNoRespondersException)
        {
            return "no JetStream stream captures the subject";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return e.Message;
        }
    }
}
