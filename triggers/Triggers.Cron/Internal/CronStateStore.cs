using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>What the worker remembers of one trigger between restarts: its last tick and the last run-now value it handled.</summary>
internal sealed record CronTriggerState(DateTimeOffset? LastScheduleTime, string? RunNow);

/// <summary>
/// Last-fire times and handled run-now values, kept in memory and, when <c>Triggers:StatePath</c>
/// is set, in a small JSON file written atomically (temp file + rename) so that a restart in
/// manifests mode resumes without losing or repeating a tick.
/// </summary>
internal sealed class CronStateStore
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Dictionary<string, CronTriggerState> _states = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly ILogger<CronStateStore> _logger;
    private long _version;
    private long _written;

    public CronStateStore(IOptions<TriggersOptions> options, ILogger<CronStateStore> logger)
    {
        _logger = logger;
        _path = string.IsNullOrWhiteSpace(options.Value.StatePath) ? null : Path.GetFullPath(options.Value.StatePath);
        if (_path is null)
        {
            Log.NoStateFile(logger);
            return;
        }

        try
        {
            if (File.Exists(_path))
            {
                var loaded = JsonSerializer.Deserialize<Dictionary<string, CronTriggerState>>(File.ReadAllBytes(_path), Json);
                foreach (var (key, value) in loaded ?? [])
                {
                    _states[key] = value;
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            Log.StateFileError(logger, _path, "read", e.Message);
        }
    }

    public CronTriggerState? Get(ResourceKey trigger)
    {
        lock (_gate)
        {
            return _states.TryGetValue(trigger.ToString(), out var state) ? state : null;
        }
    }

    /// <summary>Records a tick (never moving the time backwards) and saves.</summary>
    public Task RecordTickAsync(ResourceKey trigger, DateTimeOffset scheduled, CancellationToken cancellationToken) =>
        ChangeAsync(trigger, s => s.LastScheduleTime >= scheduled ? s : s with { LastScheduleTime = scheduled }, cancellationToken);

    public Task RecordRunNowAsync(ResourceKey trigger, string? value, CancellationToken cancellationToken) =>
        ChangeAsync(trigger, s => s with { RunNow = value }, cancellationToken);

    private async Task ChangeAsync(ResourceKey trigger, Func<CronTriggerState, CronTriggerState> change, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var key = trigger.ToString();
            var old = _states.TryGetValue(key, out var s) ? s : new CronTriggerState(null, null);
            var updated = change(old);
            if (updated == old)
            {
                return;
            }

            _states[key] = updated;
            _version++;
        }

        if (_path is null)
        {
            return;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            byte[] bytes;
            long version;
            lock (_gate)
            {
                version = _version;
                if (version == _written)
                {
                    return;
                }

                bytes = JsonSerializer.SerializeToUtf8Bytes(_states, Json);
            }

            var temp = _path + ".tmp";
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            await File.WriteAllBytesAsync(temp, bytes, cancellationToken).ConfigureAwait(false);
            File.Move(temp, _path, overwrite: true);
            _written = version;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.StateFileError(_logger, _path, "written", e.Message);
        }
        finally
        {
            _writeGate.Release();
        }
    }
}
