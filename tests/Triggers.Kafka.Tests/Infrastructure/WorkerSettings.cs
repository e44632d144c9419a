namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>Settings every test worker shares: fast commits and retries, quiet logs; statistics at the product default (off).</summary>
internal static class WorkerSettings
{
    public static Dictionary<string, string> Defaults(string bootstrapServers, string manifestsPath) => new()
    {
        ["Triggers:Source"] = "Manifests",
        ["Triggers:ManifestsPath"] = manifestsPath,
        ["Triggers:Delivery:MaxAttempts"] = "3",
        ["Triggers:Delivery:InitialBackoff"] = "00:00:00.020",
        ["Triggers:Delivery:MaxBackoff"] = "00:00:00.100",
        ["Triggers:Delivery:Timeout"] = "00:00:10",
        ["Triggers:Delivery:BreakerBreakDuration"] = "00:00:00.5",
        ["Triggers:Delivery:BreakerMinimumThroughput"] = "1000",
        ["Kafka:BootstrapServers"] = bootstrapServers,
        ["Kafka:CommitInterval"] = "00:00:00.1",
        ["Kafka:SessionTimeout"] = "00:00:06",
        ["Kafka:MaxRedeliveryBackoff"] = "00:00:00.2",
        ["Kafka:RevokeGracePeriod"] = "00:00:05",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
        ["urls"] = "http://127.0.0.1:0",
    };

    public static string[] Args(IReadOnlyDictionary<string, string> settings) =>
        [.. settings.Select(s => $"--{s.Key}={s.Value}")];
}
