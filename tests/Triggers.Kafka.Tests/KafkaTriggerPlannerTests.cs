using Confluent.Kafka;
using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Kafka.Tests;

/// <summary>Pure planning: a KafkaTrigger and the functions it selects become consumer plans, or a condition that names the bad field.</summary>
public sealed class KafkaTriggerPlannerTests
{
    private const string Functions = """
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: audit
          namespace: shop
          labels: {function: audit, team: a}
          annotations: {triggers/endpoint: "http://127.0.0.1:9001/"}
        ---
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: billing
          namespace: shop
          labels: {function: billing, team: a}
        ---
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: audit
          namespace: other
          labels: {function: audit, team: a}
        """;

    [Fact]
    public void Plans_One_Consumer_Per_Matching_Function_In_The_Kubeless_Group()
    {
        var plan = PlanOf("""
            topic: orders
            functionSelector:
              matchLabels: {team: a}
            """);

        Assert.True(plan.Condition.Ready, plan.Condition.Message);
        Assert.Equal("Subscribed", plan.Condition.Reason);
        Assert.Collection(plan.Subscriptions,
            audit =>
            {
                Assert.Equal("shop/orders-trigger/audit", audit.Key);
                Assert.Equal("shop_orders-trigger_audit_orders", audit.GroupId);
                Assert.Equal(new Uri("http://127.0.0.1:9001/"), audit.Function.Url);
                Assert.Equal(["orders"], audit.Topics);
                Assert.Equal(KafkaOrdering.Partition, audit.Ordering);
                Assert.Equal(AutoOffsetReset.Latest, audit.InitialOffset);
                Assert.Equal(16, audit.MaxInFlight);
                Assert.Null(audit.DeadLetterTopic);
            },
            billing =>
            {
                Assert.Equal("shop_orders-trigger_billing_orders", billing.GroupId);
                Assert.Equal(new Uri("http://billing.shop.svc.cluster.local:8080/"), billing.Function.Url);
            });
    }

    [Fact]
    public void Applies_Extensions_Consumer_Group_Topics_Ordering_Offset_MaxInFlight_And_Dead_Letter_Topic()
    {
        var plan = PlanOf("""
            topic: orders
            topics: [orders, returns]
            consumerGroup: shop-legacy-group
            ordering: key
            initialOffset: earliest
            maxInFlight: 32
            delivery:
              maxAttempts: 7
              deadLetterTopic: orders-dead
            functionSelector:
              matchLabels: {function: audit}
            """);

        var subscription = Assert.Single(plan.Subscriptions);
        Assert.Equal(["orders", "returns"], subscription.Topics);
        Assert.Equal("shop-legacy-group", subscription.GroupId);
        Assert.Equal(KafkaOrdering.Key, subscription.Ordering);
        Assert.Equal(AutoOffsetReset.Earliest, subscription.InitialOffset);
        Assert.Equal(32, subscription.MaxInFlight);
        Assert.Equal(7, subscription.Policy.MaxAttempts);
        Assert.Equal("orders-dead", subscription.DeadLetterTopic);
    }

    [Theory]
    [InlineData("functionSelector: {matchLabels: {function: audit}}", "InvalidTopic", "spec.topic")]
    [InlineData("topic: 'bad topic'\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidTopic", "bad topic")]
    [InlineData("topic: orders\nfunctionSelector: {matchExpressions: [{key: team, operator: Near, values: [a]}]}", "InvalidSelector", "spec.functionSelector")]
    [InlineData("topic: orders\nfunctionSelector: {matchLabels: {function: nobody}}", "NoMatchingFunctions", "shop")]
    [InlineData("topic: orders\nordering: random\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidOrdering", "spec.ordering")]
    [InlineData("topic: orders\ninitialOffset: middle\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidInitialOffset", "spec.initialOffset")]
    [InlineData("topic: orders\nmaxInFlight: 0\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidMaxInFlight", "spec.maxInFlight")]
    [InlineData("topic: orders\ndelivery: {maxAttempts: 0}\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidDelivery", "spec.delivery.maxAttempts")]
    [InlineData("topic: orders\ndelivery: {deadLetterTopic: orders}\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidDelivery", "spec.delivery.deadLetterTopic")]
    [InlineData("topic: orders\ndelivery: {deadLetterSubject: x}\nfunctionSelector: {matchLabels: {function: audit}}", "InvalidDelivery", "deadLetterTopic")]
    public void Rejects_A_Bad_Trigger_With_A_Reason_And_A_Message_Naming_The_Field(string spec, string reason, string mentioned)
    {
        var plan = PlanOf(spec);

        Assert.False(plan.Condition.Ready);
        Assert.Empty(plan.Subscriptions);
        Assert.Equal(reason, plan.Condition.Reason);
        Assert.Contains(mentioned, plan.Condition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Revision_Changes_When_Anything_The_Consumer_Depends_On_Changes()
    {
        const string Selector = "functionSelector: {matchLabels: {function: audit}}";
        var baseline = Assert.Single(PlanOf("topic: orders\n" + Selector).Subscriptions).Revision;

        Assert.Equal(baseline, Assert.Single(PlanOf("topic: orders\n" + Selector).Subscriptions).Revision);
        Assert.NotEqual(baseline, Assert.Single(PlanOf("topic: orders2\n" + Selector).Subscriptions).Revision);
        Assert.NotEqual(baseline, Assert.Single(PlanOf("topic: orders\nordering: unordered\n" + Selector).Subscriptions).Revision);
        Assert.NotEqual(baseline, Assert.Single(PlanOf("topic: orders\ndelivery: {timeout: 3s}\n" + Selector).Subscriptions).Revision);
        Assert.NotEqual(baseline, Assert.Single(PlanOf("topic: orders\n" + Selector, Functions.Replace("9001", "9002", StringComparison.Ordinal)).Subscriptions).Revision);
    }

    [Theory]
    [InlineData("topic: orders\nconsumerGroup: other_orders\nfunctionSelector: {matchLabels: {function: audit}}", "ConsumerGroupNotAllowed", "\"shop_\"")]
    [InlineData("topic: orders\nconsumerGroup: shopping\nfunctionSelector: {matchLabels: {function: audit}}", "ConsumerGroupNotAllowed", "spec.consumerGroup")]
    [InlineData("topic: __consumer_offsets\nfunctionSelector: {matchLabels: {function: audit}}", "TopicNotAllowed", "__consumer_offsets")]
    public void Tenancy_Refusals_Have_Their_Own_Reasons(string spec, string reason, string mentioned)
    {
        var plan = PlanOf(spec);

        Assert.False(plan.Condition.Ready);
        Assert.Empty(plan.Subscriptions);
        Assert.Equal(reason, plan.Condition.Reason);
        Assert.Contains(mentioned, plan.Condition.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("shop.orders", null, true)]
    [InlineData("shop.orders", "shop.dead", true)]
    [InlineData("other.orders", null, false)]
    [InlineData("shop.orders", "other.dead", false)]
    [InlineData("shopping.orders", null, false)]
    public void With_Allowed_Topics_A_Trigger_Uses_Only_Its_Namespaces_Topics(string topic, string? deadLetter, bool allowed)
    {
        var policy = new KafkaTopicPolicy(Options.Create(new KafkaOptions { AllowedTopics = ["{namespace}.*", "shared-exact"] }));

        var refused = policy.Check("shop", topic) ?? (deadLetter is null ? null : policy.Check("shop", deadLetter));

        Assert.Equal(allowed, refused is null);
        Assert.Null(policy.Check("shop", "shared-exact"));
        Assert.NotNull(policy.Check("shop", "shared-exact2"));
    }

    private static TriggerPlan<KafkaSubscriptionPlan> PlanOf(string spec, string functions = Functions)
    {
        var indented = string.Join("\n", spec.Split('\n').Select(l => "  " + l));
        var yaml = functions + $"""

            ---
            apiVersion: kubeless.io/v1beta1
            kind: KafkaTrigger
            metadata:
              name: orders-trigger
              namespace: shop
            spec:
            {indented}
            """;
        var loaded = ManifestLoader.LoadText(yaml, "test.yaml", "default");
        Assert.Empty(loaded.Problems);
        var cache = new ResourceCache(ResourceKind.All);
        foreach (var resource in loaded.Resources)
        {
            cache.Upsert(resource.Kind, resource.Resource);
        }

        var triggers = Options.Create(new TriggersOptions { AllowedEndpoints = ["http://127.0.0.1:"] });
        var planner = new KafkaTriggerPlanner(new FunctionResolver(triggers), new DeliveryPolicyResolver(triggers), Options.Create(new KafkaOptions()));
        var snapshot = cache.Snapshot();
        var trigger = Assert.Single(snapshot.All<KafkaTrigger>(ResourceKind.KafkaTrigger));
        return planner.Plan(trigger, snapshot);
    }
}
