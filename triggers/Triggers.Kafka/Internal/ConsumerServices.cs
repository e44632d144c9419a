using System.Diagnostics.Metrics;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka.Internal;

/// <summary>What every consumer of the worker shares: settings, the dispatcher and outcome rule, the dead-letter producer, metrics, trigger health, clock and logger.</summary>
internal sealed record ConsumerServices(
    KafkaOptions Options,
    IEventDispatcher Dispatcher,
    DeliveryOutcomeRule Outcomes,
    DeadLetterWriter DeadLetters,
    TriggerMetrics Metrics,
    Counter<long> Abandoned,
    TriggerHealthReporter Health,
    TimeProvider Time,
    ILogger Logger);
