using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>A minimal consumer plan (<c>ns/t/f</c> on topic <c>t</c>) for tests of what is built from one.</summary>
internal static class TestPlans
{
    public static KafkaSubscriptionPlan Minimal(int maxInFlight = 4) => new()
    {
        Key = "ns/t/f",
        Trigger = new ResourceKey("ns", "t"),
        Revision = "1",
        Function = new FunctionEndpoint("ns", "f", new Uri("http://127.0.0.1:1/")),
        Topics = ["t"],
        GroupId = "ns_t_f_t",
        InitialOffset = AutoOffsetReset.Earliest,
        Ordering = KafkaOrdering.Partition,
        MaxInFlight = maxInFlight,
        Policy = DeliveryPolicy.Default,
    };
}
