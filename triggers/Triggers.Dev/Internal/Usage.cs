namespace Triggers.Dev.Internal;

/// <summary>The help text.</summary>
internal static class Usage
{
    public const string Text = """
        triggers-dev: run Kubeless NATS, Kafka and cron triggers locally, no cluster needed.

        Usage:
          triggers-dev [run] [--manifests PATH] [--nats URL] [--kafka BOOTSTRAP] [--state FILE] [--verbose] [--json]
              Runs the three workers in one process over a folder of manifests (default
              deploy/examples/local), reloading it on change. Without --nats it starts nats-server
              (JetStream, temporary store); without --kafka it starts an embedded Kafka (librdkafka's
              mock cluster) and prints its bootstrap address. Ctrl+C stops everything.
          triggers-dev demo [--watch] [--functions-port N] [--json]
              run, plus demo functions on 127.0.0.1:18080 and sample events; ends after the samples
              are delivered (exit 0) unless --watch.
          triggers-dev publish nats SUBJECT DATA [--nats URL] [--header K=V]
          triggers-dev produce kafka TOPIC DATA [--key K] [--kafka BOOTSTRAP]
          triggers-dev fire NAMESPACE/NAME [--cron URL] [--token TOKEN]
              Send a test event into the running setup (addresses come from the running runner's
              session file, ~/.triggers-dev/session.json, or TRIGGERS_DEV_SESSION).
          triggers-dev validate [PATH] [--json]
              Checks manifests the way the workers do; every problem names file, document and field.
              Exit code 1 when there are errors.

        """;
}
