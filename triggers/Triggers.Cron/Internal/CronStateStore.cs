using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using Triggers.Core;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>
/// Last-fire times and handled run-now values, kept in memory and, when <c>Triggers:StatePath</c>
/// is set, in a small JSON file written atomically (temp file + rename) so that a restart in
/// manifests mode resumes without losing or repeating a tick.
/// </summary>
internal sealed class CronStateStore
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    // Not indented: with thousands of triggers the file is rewritten about once a second, and indenting made it a third larger and slower to write.
    private readonly Utf8JsonWriter _writer = new(Stream.Null);
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
    public Task RecordTickAsync(ResourceKey trigger, DateTimeOffset scheduled, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!ChangeLocked(trigger, s => s.LastScheduleTime >= scheduled ? s : s with { LastScheduleTime = scheduled }))
            {
                return Task.CompletedTask;
            }
        }

        return SaveAsync(cancellationToken);
    }

    /// <summary>
    /// Records many ticks (each never moving its trigger's time backwards) and saves them in one
    /// write: a tick is on disk before its function is called, at the cost of one file write per
    /// batch rather than one per tick.
    /// </summary>
    public Task RecordTicksAsync(IReadOnlyList<(ResourceKey Trigger, DateTimeOffset Scheduled)> ticks, CancellationToken cancellationToken)
    {
        var changed = false;
        lock (_gate)
        {
            foreach (var (trigger, scheduled) in ticks)
            {
                var key = trigger.ToString();
                if (_states.TryGetValue(key, out var old))
                {
                    if (old.LastScheduleTime >= scheduled)
                    {
                        continue;
                    }

                    _states[key] = old with { LastScheduleTime = scheduled };
                }
                else
                {
                    _states[key] = new CronTriggerState(scheduled, null);
                }

                _version++;
                changed = true;
            }
        }

        return changed ? SaveAsync(cancellationToken) : Task.CompletedTask;
    }

    public Task RecordRunNowAsync(ResourceKey trigger, string? value, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!ChangeLocked(trigger, s => s with { RunNow = value }))
            {
                return Task.CompletedTask;
            }
        }

        return SaveAsync(cancellationToken);
    }

    private bool ChangeLocked(ResourceKey trigger, Func<CronTriggerState, CronTriggerState> change)
    {
        var key = trigger.ToString();
        var old = _states.TryGetValue(key, out var s) ? s : new CronTriggerState(null, null);
        var updated = change(old);
        if (updated == old)
        {
            return false;
        }

        _states[key] = updated;
        _version++;
        return true;
    }

    /// <summary>Writes the file unless a write that started after the last change already did (concurrent savers share one write).</summary>
    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        if (_path is null)
        {
            return;
        }

        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long version;
            lock (_gate)
            {
                version = _version;
                if (version == _written)
                {
                    return;
                }

                // One buffer for every save (only one save runs at a time): with thousands of triggers
                // the file is around a megabyte, and a fresh array per save is a large-object-heap
                // allocation that forces a full collection every few saves.
                _buffer.ResetWrittenCount();
                _writer.Reset(_buffer);
                JsonSerializer.Serialize(_writer, _states, Json);
                _writer.Flush();
            }

            var temp = _path + ".tmp";
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0, useAsync: true);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            }

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
