using System.CommandLine;
using Triggers.Dev.Commands;

namespace Triggers.Dev.Internal;

/// <summary>The command-line shape of <c>publish nats</c>, <c>produce kafka</c> and <c>fire</c>.</summary>
internal static class SendCli
{
    public static Command Publish(TextWriter output, CancellationToken cancellationToken)
    {
        var subject = new Argument<string>("SUBJECT") { Description = "NATS subject." };
        var data = new Argument<string>("DATA") { Description = "Message body (UTF-8)." };
        var url = new Option<string?>("--nats") { Description = "NATS server; default the running triggers-dev's.", HelpName = "URL" };
        var headers = new Option<string[]>("--header") { Description = "A header K=V; repeat for more.", HelpName = "K=V" };
        var nats = new Command("nats", "Publishes one message to a NATS subject.") { subject, data, url, headers };
        nats.SetAction(r => SendCommands.PublishAsync(r.GetRequiredValue(subject), r.GetRequiredValue(data), r.GetValue(url), r.GetValue(headers) ?? [], output, cancellationToken));
        return new Command("publish", "Sends a test message into the running setup.") { nats };
    }

    public static Command Produce(TextWriter output, CancellationToken cancellationToken)
    {
        var topic = new Argument<string>("TOPIC") { Description = "Kafka topic." };
        var data = new Argument<string>("DATA") { Description = "Record value (UTF-8)." };
        var key = new Option<string?>("--key") { Description = "Record key.", HelpName = "K" };
        var bootstrap = new Option<string?>("--kafka") { Description = "Kafka brokers; default the running triggers-dev's.", HelpName = "BOOTSTRAP" };
        var kafka = new Command("kafka", "Produces one record to a Kafka topic.") { topic, data, key, bootstrap };
        kafka.SetAction(r => SendCommands.ProduceAsync(r.GetRequiredValue(topic), r.GetRequiredValue(data), r.GetValue(key), r.GetValue(bootstrap), output, cancellationToken));
        return new Command("produce", "Sends a test record into the running setup.") { kafka };
    }

    public static Command Fire(TextWriter output, CancellationToken cancellationToken)
    {
        var trigger = new Argument<string>("NAMESPACE/NAME") { Description = "The CronJobTrigger to fire once now." };
        var cron = new Option<string?>("--cron") { Description = "Cron worker address; default the running triggers-dev's.", HelpName = "URL" };
        var token = new Option<string?>("--token") { Description = "Bearer token of the cron run endpoint (Cron:RunEndpointToken); default the running triggers-dev's.", HelpName = "TOKEN" };
        var fire = new Command("fire", "Fires a CronJobTrigger once now in the running setup.") { trigger, cron, token };
        fire.SetAction(r => SendCommands.FireAsync(r.GetRequiredValue(trigger), r.GetValue(cron), r.GetValue(token), output, cancellationToken));
        return fire;
    }
}
