using Microsoft.Extensions.Options;

namespace Triggers.Nats.Tests;

/// <summary>Which subjects a namespace's NATSTriggers may subscribe, dead-letter and reply to.</summary>
public sealed class NatsSubjectScopeTests
{
    private static NatsSubjectScope Scope(string ns, params string[] allowed) =>
        new NatsSubjectPolicy(Options.Create(new NatsOptions { AllowedSubjects = allowed })).ScopeFor(ns);

    [Theory]
    [InlineData(">")]
    [InlineData("*.>")]
    [InlineData("*")]
    [InlineData("$JS.API.>")]
    [InlineData("$JS.API.STREAM.DELETE.ORDERS")]
    [InlineData("$SYS.>")]
    [InlineData("_INBOX.>")]
    [InlineData("_INBOX.abc")]
    public void Reserved_Subjects_Are_Refused_Without_A_List(string subject) =>
        Assert.NotNull(Scope("tenant-a").Check(subject));

    [Theory]
    [InlineData("events.todo.newitem")]
    [InlineData("events.>")]
    [InlineData("tenant-b.jobs")]
    [InlineData("a.*.c")]
    public void Other_Subjects_Are_Allowed_Without_A_List(string subject) =>
        Assert.Null(Scope("tenant-a").Check(subject));

    [Theory]
    [InlineData("tenant-a.jobs", true)]
    [InlineData("tenant-a.jobs.>", true)]
    [InlineData("tenant-a.*", true)]
    [InlineData("tenant-a.>", true)]
    [InlineData("tenant-a", false)]
    [InlineData("tenant-b.jobs", false)]
    [InlineData("*.jobs", false)]
    [InlineData(">", false)]
    [InlineData("_INBOX.>", false)]
    [InlineData("$JS.API.>", false)]
    public void With_A_Namespace_Pattern_Only_The_Namespaces_Subjects_Are_Allowed(string subject, bool allowed) =>
        Assert.Equal(allowed, Scope("tenant-a", "{namespace}.>").Check(subject) is null);

    [Theory]
    [InlineData("a.*", "a.b", true)]
    [InlineData("a.*", "a.*", true)]
    [InlineData("a.*", "a.>", false)]
    [InlineData("a.*", "a.b.c", false)]
    [InlineData("a.b", "a.*", false)]
    [InlineData("a.>", "a.*.c", true)]
    [InlineData("a.>", "a", false)]
    [InlineData("a.*.c", "a.b.c", true)]
    [InlineData("a.*.c", "a.b.*", false)]
    [InlineData(">", "anything.>", true)]
    public void A_Pattern_Covers_A_Subject_When_Every_Subject_It_Can_Match_Lies_Inside(string pattern, string subject, bool covers) =>
        Assert.Equal(covers, NatsSubjectScope.Covers(pattern, subject));

    [Fact]
    public void A_Reserved_Subject_Needs_A_Reserved_Pattern_Naming_It()
    {
        Assert.NotNull(Scope("ops", "{namespace}.>").Check("$JS.API.INFO"));
        Assert.Null(Scope("ops", "$JS.API.>").Check("$JS.API.INFO"));
        Assert.Null(Scope("ops", ">").Check(">"));
    }

    [Theory]
    [InlineData("_INBOX.abc123", true)]
    [InlineData("_INBOX.abc.1", true)]
    [InlineData("tenant-a.replies", true)]
    [InlineData("tenant-b.replies", false)]
    [InlineData("$JS.API.STREAM.DELETE.X", false)]
    public void Replies_Go_Only_To_Inboxes_Or_Subjects_The_Trigger_May_Use(string replyTo, bool allowed) =>
        Assert.Equal(allowed, Scope("tenant-a", "{namespace}.>").MayReply(replyTo));

    [Fact]
    public void Bad_Patterns_Are_Refused_At_Start_Naming_The_Key()
    {
        var result = new NatsOptionsValidator().Validate(null, new NatsOptions { AllowedSubjects = ["{namespace}.>", "a..b"] });

        Assert.True(result.Failed);
        Assert.Contains("Nats:AllowedSubjects:1", result.FailureMessage, StringComparison.Ordinal);
    }
}
