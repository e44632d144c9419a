using k8s.Models;
using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Nats.Tests;

/// <summary>The planner alone: pure, no broker.</summary>
public sealed class NatsTriggerPlannerTests
{
    private static readonly NatsTriggerPlanner Planner = new(
        new FunctionResolver(Options.Create(new TriggersOptions())),
        new DeliveryPolicyResolver(Options.Create(new TriggersOptions())),
        Options.Create(new NatsOptions()));

    private static Function NewFunction(string name, string labelValue, string ns = "todo") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["function"] = labelValue } },
    };

    private static NatsTrigger NewTrigger(string topic = "events.todo.newitem", string selectorValue = "todo-audit", Action<NatsTriggerSpec>? change = null)
    {
        var trigger = new NatsTrigger
        {
            Metadata = new V1ObjectMeta { Name = "todo-audit", NamespaceProperty = "todo", Generation = 1 },
            Spec = new NatsTriggerSpec
            {
                Topic = topic,
                FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = selectorValue } },
            },
        };
        change?.Invoke(trigger.Spec);
        return trigger;
    }

    private static ResourceSnapshot Snapshot(params Function[] functions)
    {
        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.Service, ResourceKind.NatsTrigger]);
        cache.Replace(ResourceKind.Function, functions);
        cache.Replace(ResourceKind.Service, []);
        cache.Replace(ResourceKind.NatsTrigger, []);
        return cache.Snapshot();
    }

    [Fact]
    public void One_Subscription_Per_Matching_Function_In_The_Kubeless_Queue_Group()
    {
        var plan = Planner.Plan(NewTrigger(selectorValue: "audit"), Snapshot(NewFunction("a", "audit"), NewFunction("b", "audit"), NewFunction("c", "other"), NewFunction("d", "audit", ns: "elsewhere")));

        Assert.True(plan.Condition.Ready);
        Assert.Equal(NatsTriggerPlanner.ReasonSubscribed, plan.Condition.Reason);
        Assert.Equal(["todo/todo-audit/a", "todo/todo-audit/b"], plan.Subscriptions.Select(s => s.Key).ToArray());
        Assert.Equal("todo_todo-audit_a_events.todo.newitem", plan.Subscriptions[0].QueueGroup);
        Assert.All(plan.Subscriptions, s => Assert.Equal("events.todo.newitem", s.Subject));
        Assert.All(plan.Subscriptions, s => Assert.Equal(16, s.MaxInFlight));
        Assert.All(plan.Subscriptions, s => Assert.Null(s.JetStream));
    }

    [Theory]
    [InlineData("")]
    [InlineData("events..todo")]
    [InlineData(".events")]
    [InlineData("events.")]
    [InlineData("events.to do")]
    [InlineData("events.>.todo")]
    [InlineData("events.todo*")]
    [InlineData("events.>x")]
    public void Invalid_Topic_Is_Reported_With_The_Field(string topic)
    {
        var plan = Planner.Plan(NewTrigger(topic), Snapshot(NewFunction("todo-audit", "todo-audit")));
        Assert.False(plan.Condition.Ready);
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidTopic, plan.Condition.Reason);
        Assert.StartsWith("spec.topic", plan.Condition.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Subscriptions);
    }

    [Theory]
    [InlineData("events.*.newitem")]
    [InlineData("events.>")]
    [InlineData("events.todo.newitem")]
    public void Wildcard_Topics_Are_Accepted(string topic)
    {
        var plan = Planner.Plan(NewTrigger(topic), Snapshot(NewFunction("todo-audit", "todo-audit")));
        Assert.Equal(NatsTriggerPlanner.ReasonSubscribed, plan.Condition.Reason);
    }

    [Fact]
    public void Invalid_Selector_And_No_Functions_Have_Their_Own_Reasons()
    {
        var bad = NewTrigger(change: s => s.FunctionSelector = new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "function", OperatorProperty = "Sometimes", Values = ["x"] }],
        });
        var invalid = Planner.Plan(bad, Snapshot(NewFunction("todo-audit", "todo-audit")));
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidSelector, invalid.Condition.Reason);
        Assert.Contains("spec.functionSelector.matchExpressions[0]", invalid.Condition.Message, StringComparison.Ordinal);

        var none = Planner.Plan(NewTrigger(selectorValue: "nobody"), Snapshot(NewFunction("todo-audit", "todo-audit")));
        Assert.False(none.Condition.Ready);
        Assert.Equal(NatsTriggerPlanner.ReasonNoMatchingFunctions, none.Condition.Reason);
    }

    [Fact]
    public void Revision_Changes_With_The_Topic_And_Stays_For_An_Identical_Trigger()
    {
        var snapshot = Snapshot(NewFunction("todo-audit", "todo-audit"));
        var a = Planner.Plan(NewTrigger("events.a"), snapshot).Subscriptions.Single();
        var again = Planner.Plan(NewTrigger("events.a"), snapshot).Subscriptions.Single();
        var b = Planner.Plan(NewTrigger("events.b"), snapshot).Subscriptions.Single();
        Assert.Equal(a.Key, b.Key);
        Assert.Equal(a.Revision, again.Revision);
        Assert.NotEqual(a.Revision, b.Revision);
    }

    [Fact]
    public void Delivery_Errors_Name_The_Field()
    {
        var snapshot = Snapshot(NewFunction("todo-audit", "todo-audit"));
        var loop = Planner.Plan(NewTrigger("events.>", change: s => s.Delivery = new DeliverySpec { DeadLetterSubject = "events.dead" }), snapshot);
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidDelivery, loop.Condition.Reason);
        Assert.Contains("spec.delivery.deadLetterSubject", loop.Condition.Message, StringComparison.Ordinal);

        var wildcard = Planner.Plan(NewTrigger(change: s => s.Delivery = new DeliverySpec { DeadLetterSubject = "dead.*" }), snapshot);
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidDelivery, wildcard.Condition.Reason);

        var attempts = Planner.Plan(NewTrigger(change: s => s.Delivery = new DeliverySpec { MaxAttempts = 0 }), snapshot);
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidDelivery, attempts.Condition.Reason);
        Assert.Contains("spec.delivery.maxAttempts", attempts.Condition.Message, StringComparison.Ordinal);

        var inFlight = Planner.Plan(NewTrigger(change: s => s.MaxInFlight = 0), snapshot);
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidSpec, inFlight.Condition.Reason);
        Assert.Contains("spec.maxInFlight", inFlight.Condition.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void JetStream_Plan_Has_A_Durable_Consumer_Per_Function()
    {
        var plan = Planner.Plan(
            NewTrigger(selectorValue: "audit", change: s => s.JetStream = new JetStreamSpec { Stream = "TODO", Durable = "todo-audit", DeliverPolicy = "lastPerSubject", AckWait = "45s", MaxDeliver = 7 }),
            Snapshot(NewFunction("a", "audit"), NewFunction("b", "audit")));

        Assert.True(plan.Condition.Ready, plan.Condition.Message);
        Assert.Equal(["todo-audit_a", "todo-audit_b"], plan.Subscriptions.Select(s => s.JetStream!.Consumer).ToArray());
        var js = plan.Subscriptions[0].JetStream!;
        Assert.Equal("TODO", js.Stream);
        Assert.Equal(JetStreamDeliverPolicy.LastPerSubject, js.DeliverPolicy);
        Assert.Equal(TimeSpan.FromSeconds(45), js.AckWait);
        Assert.Equal(7, js.MaxDeliver);

        var defaults = Planner.Plan(NewTrigger(change: s => s.JetStream = new JetStreamSpec { Stream = "TODO" }), Snapshot(NewFunction("todo-audit", "todo-audit"))).Subscriptions.Single().JetStream!;
        Assert.Equal("todo_todo-audit_todo-audit", defaults.Consumer);
        Assert.Equal(5, defaults.MaxDeliver);
        Assert.True(defaults.AckWait > DeliveryPolicy.Default.Timeout);
    }

    [Theory]
    [InlineData(null, null, null, null, "spec.jetStream.stream")]
    [InlineData("TO.DO", null, null, null, "spec.jetStream.stream")]
    [InlineData("TODO", "a.b", null, null, "spec.jetStream.durable")]
    [InlineData("TODO", null, "sometimes", null, "spec.jetStream.deliverPolicy")]
    [InlineData("TODO", null, null, "soon", "spec.jetStream.ackWait")]
    [InlineData("TODO", null, null, "5s", "spec.jetStream.ackWait")]
    public void Invalid_JetStream_Settings_Name_The_Field(string? stream, string? durable, string? deliverPolicy, string? ackWait, string field)
    {
        var plan = Planner.Plan(
            NewTrigger(change: s => s.JetStream = new JetStreamSpec { Stream = stream, Durable = durable, DeliverPolicy = deliverPolicy, AckWait = ackWait }),
            Snapshot(NewFunction("todo-audit", "todo-audit")));
        Assert.Equal(NatsTriggerPlanner.ReasonInvalidJetStream, plan.Condition.Reason);
        Assert.StartsWith(field, plan.Condition.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(">")]
    [InlineData("$JS.API.>")]
    [InlineData("_INBOX.>")]
    public void Reserved_Topics_Are_Refused_By_Default(string topic)
    {
        var plan = Planner.Plan(NewTrigger(topic), Snapshot(NewFunction("todo-audit", "todo-audit")));

        Assert.False(plan.Condition.Ready);
        Assert.Equal(NatsSubjectPolicy.ReasonSubjectNotAllowed, plan.Condition.Reason);
        Assert.Contains(topic, plan.Condition.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Subscriptions);
    }

    [Fact]
    public void With_Allowed_Subjects_A_Trigger_Uses_Only_Its_Namespaces_Subjects_As_Topic_And_Dead_Letter()
    {
        var planner = new NatsTriggerPlanner(
            new FunctionResolver(Options.Create(new TriggersOptions())),
            new DeliveryPolicyResolver(Options.Create(new TriggersOptions())),
            Options.Create(new NatsOptions { AllowedSubjects = ["{namespace}.>"] }));
        var snapshot = Snapshot(NewFunction("todo-audit", "todo-audit"));

        var own = planner.Plan(NewTrigger("todo.jobs", change: s => s.Delivery = new DeliverySpec { DeadLetterSubject = "todo.dead" }), snapshot);
        var foreignTopic = planner.Plan(NewTrigger("other.jobs"), snapshot);
        var foreignDeadLetter = planner.Plan(NewTrigger("todo.jobs", change: s => s.Delivery = new DeliverySpec { DeadLetterSubject = "other.dead" }), snapshot);

        Assert.True(own.Condition.Ready, own.Condition.Message);
        Assert.Equal(NatsSubjectPolicy.ReasonSubjectNotAllowed, foreignTopic.Condition.Reason);
        Assert.StartsWith("spec.topic", foreignTopic.Condition.Message, StringComparison.Ordinal);
        Assert.Equal(NatsSubjectPolicy.ReasonSubjectNotAllowed, foreignDeadLetter.Condition.Reason);
        Assert.StartsWith("spec.delivery.deadLetterSubject", foreignDeadLetter.Condition.Message, StringComparison.Ordinal);
        Assert.Empty(foreignDeadLetter.Subscriptions);
    }

    [Theory]
    [InlineData("todo_audit", true)]
    [InlineData("todo-audit", true)]
    [InlineData("todoaudit", false)]
    [InlineData("other_audit", false)]
    [InlineData("audit", false)]
    public void An_Explicit_Durable_Must_Carry_The_Namespace_Prefix(string durable, bool allowed)
    {
        var plan = Planner.Plan(NewTrigger(change: s => s.JetStream = new JetStreamSpec { Stream = "TODO", Durable = durable }), Snapshot(NewFunction("todo-audit", "todo-audit")));

        Assert.Equal(allowed, plan.Condition.Ready);
        if (!allowed)
        {
            Assert.Equal(NatsSubjectPolicy.ReasonDurableNotAllowed, plan.Condition.Reason);
            Assert.Contains("\"todo_\"", plan.Condition.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_Function_Endpoint_The_Policy_Refuses_Makes_The_Trigger_Not_Ready_Naming_The_Function()
    {
        var function = NewFunction("todo-audit", "todo-audit");
        function.Metadata.Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = "http://127.0.0.1:8080/" };

        var plan = Planner.Plan(NewTrigger(), Snapshot(function));

        Assert.False(plan.Condition.Ready);
        Assert.Equal("EndpointNotAllowed", plan.Condition.Reason);
        Assert.Contains("todo/todo-audit", plan.Condition.Message, StringComparison.Ordinal);
        Assert.Empty(plan.Subscriptions);
    }
}
