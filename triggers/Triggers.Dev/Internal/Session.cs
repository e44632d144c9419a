using System.Text.Json;

namespace Triggers.Dev.Internal;

/// <summary>Where a running <c>triggers-dev run</c> can be reached; written at start so <c>publish</c>, <c>produce</c> and <c>fire</c> find it.</summary>
internal sealed record Session(string Nats, string Kafka, string NatsWorker, string KafkaWorker, string CronWorker, int ProcessId, int? NatsServerProcessId, string? CronRunToken = null)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary><c>TRIGGERS_DEV_SESSION</c>, else <c>~/.triggers-dev/session.json</c>.</summary>
    public static string DefaultPath =>
        Environment.GetEnvironmentVariable("TRIGGERS_DEV_SESSION") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".triggers-dev", "session.json");

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    }

    /// <summary>The session of a running runner, or null when none is running.</summary>
    public static Session? Load(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            var session = JsonSerializer.Deserialize<Session>(File.ReadAllText(path));
            return session is not null && IsAlive(session.ProcessId) ? session : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
