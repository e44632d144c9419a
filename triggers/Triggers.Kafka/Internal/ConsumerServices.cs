using System.Diagnostics.Metrics;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;

namespace Triggers.Kafka.Internal;

/// <summary>What every consumer of the worker shares: settings, the dispatcher and outcome rule, the dead-letter producer, metrics, clock and logger.</summary>
internal sealed record ConsumerServices(
    KafkaOptions Options,
    IEventDispatcher Dispatcher,
    DeliveryOutcomeRule Outcomes,
    DeadLetterWriter DeadLetters,
    TriggerMetrics Metrics,
    Counter<long> Abandoned,
    TimeProvider Time,
    ILogger Logger);
