using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Triggers.Core.Sources;

/// <summary>
/// Feeds the cache from a folder of manifests (<c>Triggers:ManifestsPath</c>), reloading when
/// files change: a file-system watcher for speed and a poll as the safety net. Unchanged files
/// are not parsed again; a broken document is reported and the rest still load.
/// </summary>
public sealed partial class ManifestsSource(
    IOptions<TriggersOptions> options,
    ManifestDiagnostics diagnostics,
    ILogger<ManifestsSource> logger) : IResourceSource
{
    private readonly Dictionary<string, (FileSignature Signature, ManifestLoadResult Result)> _files = new(StringComparer.Ordinal);
    private IReadOnlyList<ManifestProblem> _reported = [];

    /// <summary>How often the folder is checked even when the watcher says nothing.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(2);

    public async Task RunAsync(IResourceSink sink, CancellationToken cancellationToken)
    {
        var folder = Path.GetFullPath(options.Value.ManifestsPath ?? throw new InvalidOperationException("Triggers:ManifestsPath is not set."));
        using var wake = new SemaphoreSlim(0);
        using var watcher = CreateWatcher(folder, wake);
        var first = true;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                Reload(folder, sink, force: first);
                first = false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogFolderError(logger, folder, e.Message);
            }

            try
            {
                await wake.WaitAsync(PollInterval, cancellationToken).ConfigureAwait(false);
                // Editors write in several steps: let a burst of events settle before reading.
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
                while (wake.CurrentCount > 0)
                {
                    await wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private FileSystemWatcher? CreateWatcher(string folder, SemaphoreSlim wake)
    {
        try
        {
            var watcher = new FileSystemWatcher(folder)
            {
                IncludeSubdirectories = true,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
            };
            FileSystemEventHandler onChange = (_, _) => wake.Release();
            watcher.Changed += onChange;
            watcher.Created += onChange;
            watcher.Deleted += onChange;
            watcher.Renamed += (_, _) => wake.Release();
            watcher.Error += (_, e) => wake.Release();
            watcher.EnableRaisingEvents = true;
            return watcher;
        }
        catch (Exception e) when (e is IOException or ArgumentException or PlatformNotSupportedException)
        {
            LogWatcherUnavailable(logger, folder, e.Message);
            return null;
        }
    }

    private void Reload(string folder, IResourceSink sink, bool force)
    {
        var files = ManifestLoader.FindFiles(folder);
        var changed = force;
        var present = new HashSet<string>(files, StringComparer.Ordinal);
        foreach (var gone in _files.Keys.Where(f => !present.Contains(f)).ToList())
        {
            _files.Remove(gone);
            changed = true;
        }

        foreach (var file in files)
        {
            var signature = FileSignature.Of(file);
            if (_files.TryGetValue(file, out var known) && known.Signature == signature)
            {
                continue;
            }

            var result = ManifestLoader.LoadFile(file, options.Value.DefaultNamespace, Path.GetRelativePath(folder, file));
            _files[file] = (signature, result);
            changed = true;
        }

        if (!changed)
        {
            return;
        }

        var all = ManifestLoader.Deduplicate(
            _files.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value.Result.Resources),
            _files.OrderBy(f => f.Key, StringComparer.Ordinal).SelectMany(f => f.Value.Result.Problems),
            0);
        ReportProblems(all.Problems);

        var byKind = all.Resources.ToLookup(r => r.Kind);
        foreach (var kind in sink.Kinds)
        {
            sink.Replace(kind, byKind[kind].Select(r => r.Resource));
        }

        LogLoaded(logger, folder, all.Resources.Count, files.Count, all.Problems.Count);
    }

    private void ReportProblems(IReadOnlyList<ManifestProblem> problems)
    {
        diagnostics.Set(problems);
        var before = _reported.Select(p => p.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var problem in problems.Where(p => !before.Contains(p.ToString())))
        {
            LogProblem(logger, problem.File, problem.DocumentIndex, problem.ToString());
        }

        var now = problems.Select(p => p.ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var fixedProblem in _reported.Where(p => !now.Contains(p.ToString())))
        {
            LogProblemFixed(logger, fixedProblem.File, fixedProblem.DocumentIndex);
        }

        _reported = problems;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Information, Message = "Loaded {Resources} resources from {Files} manifest files in {Folder} ({Problems} problems)")]
    private static partial void LogLoaded(ILogger logger, string folder, int resources, int files, int problems);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Manifest problem in {File}, document {DocumentIndex}: {Problem}")]
    private static partial void LogProblem(ILogger logger, string file, int documentIndex, string problem);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Manifest problem in {File}, document {DocumentIndex} is gone")]
    private static partial void LogProblemFixed(ILogger logger, string file, int documentIndex);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Cannot watch {Folder} for changes ({Error}); polling only")]
    private static partial void LogWatcherUnavailable(ILogger logger, string folder, string error);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error, Message = "Cannot read manifests folder {Folder}: {Error}")]
    private static partial void LogFolderError(ILogger logger, string folder, string error);

    private readonly record struct FileSignature(long Length, DateTime LastWriteUtc)
    {
        public static FileSignature Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new(info.Length, info.LastWriteTimeUtc) : default;
        }
    }
}
