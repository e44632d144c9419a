using System.Text;
using Confluent.Kafka;
using NATS.Client.Core;
using Triggers.Dev.Internal;

namespace Triggers.Dev.Commands;

/// <summary><c>publish</c>, <c>produce</c> and <c>fire</c>: send one test event into the running setup.</summary>
internal static class SendCommands
{
    public static async Task<int> PublishAsync(string subject, string data, string? natsUrl, IReadOnlyList<string> headerTexts, TextWriter output, CancellationToken cancellationToken)
    {
        var url = natsUrl ?? Session.Load(Session.DefaultPath)?.Nats
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --nats URL");
        var headers = new NatsHeaders();
        foreach (var header in headerTexts)
        {
            var eq = header.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--header must be K=V (got '{header}')");
            }

            headers[header[..eq]] = header[(eq + 1)..];
        }

        await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "triggers-dev-publish" });
        await nats.ConnectAsync().ConfigureAwait(false);
        await nats.PublishAsync(subject, Encoding.UTF8.GetBytes(data), headers: headers.Count > 0 ? headers : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await nats.PingAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"published {Encoding.UTF8.GetByteCount(data)} bytes to {subject} on {url}").ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> ProduceAsync(string topic, string data, string? key, string? kafka, TextWriter output, CancellationToken cancellationToken)
    {
        var bootstrap = kafka ?? Session.Load(Session.DefaultPath)?.Kafka
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --kafka BOOTSTRAP");
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, MessageTimeoutMs = 15000 }).Build();
        var result = await producer.ProduceAsync(topic, new Message<string?, string> { Key = key, Value = data }, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"produced to {result.Topic} partition {result.Partition.Value} offset {result.Offset.Value} on {bootstrap}").ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> FireAsync(string trigger, string? cronUrl, string? token, TextWriter output, CancellationToken cancellationToken)
    {
        if (trigger.Split('/') is not [{ Length: > 0 } ns, { Length: > 0 } name])
        {
            throw new UsageException($"fire takes NAMESPACE/NAME (got '{trigger}')");
        }

        var session = Session.Load(Session.DefaultPath);
        var cron = cronUrl ?? session?.CronWorker
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --cron URL");
        if (!Uri.TryCreate(cron, UriKind.Absolute, out var cronUri))
        {
            throw new UsageException($"--cron must be an absolute URL (got '{cron}')");
        }

        await FireCronAsync(cronUri, ns, name, token ?? session?.CronRunToken, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"fired CronJobTrigger {ns}/{name}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Asks the cron worker to fire a trigger once now (its run endpoint, enabled by the local runner).</summary>
    public static async Task FireCronAsync(Uri cronWorker, string @namespace, string name, string? token, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = cronWorker, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"cron/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(name)}/run");
        if (token is { Length: > 0 })
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var message = $"cron worker refused to fire {@namespace}/{name}: {(int)response.StatusCode} {body}";
            throw response.StatusCode == System.Net.HttpStatusCode.Conflict ? new CronRefusedException(message) : new InvalidOperationException(message);
        }
    }
}
