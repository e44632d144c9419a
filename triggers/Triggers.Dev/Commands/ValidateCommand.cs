using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Cron;
using Triggers.Dev.Internal;
using Triggers.Kafka;
using Triggers.Nats;

namespace Triggers.Dev.Commands;

/// <summary>
/// <c>validate</c>: loads a manifests folder (or file) and runs every trigger through its worker's own
/// planner. Errors name file, document and field; exit code 1 when there is any error.
/// </summary>
internal static class ValidateCommand
{
    /// <summary>Not-ready reasons that are a state of the world, not a mistake in the manifest.</summary>
    private static readonly string[] WarningReasons = ["NoMatchingFunctions", "FunctionNotFound", "Suspended"];

    public static int Execute(string? requested, bool json, bool verbose, TextWriter writer)
    {
        var output = new Output(writer, json);
        var path = requested ?? ExamplesFolder.Find()
            ?? throw new UsageException("no manifests given and deploy/examples/local was not found from here: pass PATH");
        ManifestLoadResult loaded;
        if (File.Exists(path))
        {
            var single = ManifestLoader.LoadFile(path, "default", Path.GetFileName(path));
            loaded = ManifestLoader.Deduplicate(single.Resources, single.Problems, single.SkippedDocuments);
        }
        else if (Directory.Exists(path))
        {
            loaded = ManifestLoader.LoadFolder(path, "default");
        }
        else
        {
            output.Error($"{path}: no such file or folder");
            return 1;
        }

        var errors = loaded.Problems.Select(p => (p.File, p.DocumentIndex, Kind: p.Kind, Name: p.Name, p.Message, Severity: "error")).ToList();

        var cache = new ResourceCache(ResourceKind.All);
        foreach (var kind in ResourceKind.All)
        {
            cache.Replace(kind, loaded.Resources.Where(r => r.Kind == kind).Select(r => r.Resource));
        }

        var snapshot = cache.Snapshot();
        var checks = Checks();
        foreach (var resource in loaded.Resources)
        {
            if (checks.FirstOrDefault(c => c.Kind == resource.Kind) is not { } check)
            {
                continue;
            }

            var condition = check.Check(resource.Resource, snapshot);
            if (!condition.Ready)
            {
                var severity = WarningReasons.Contains(condition.Reason, StringComparer.Ordinal) ? "warning" : "error";
                errors.Add((resource.File, resource.DocumentIndex, resource.Kind.Kind, ResourceKey.Of(resource.Resource).ToString(), $"{condition.Reason}: {condition.Message}", severity));
            }
        }

        if (verbose)
        {
            foreach (var fine in loaded.Resources.Where(r => !errors.Any(e => e.File == r.File && e.DocumentIndex == r.DocumentIndex)))
            {
                output.Event("ok", $"ok: {fine.File}, document {fine.DocumentIndex} {fine.Kind.Kind} {ResourceKey.Of(fine.Resource)}",
                    new { file = fine.File, document = fine.DocumentIndex, kind = fine.Kind.Kind, name = ResourceKey.Of(fine.Resource).ToString() });
            }
        }

        foreach (var e in errors.OrderBy(e => e.File, StringComparer.Ordinal).ThenBy(e => e.DocumentIndex))
        {
            var what = e.Kind is null ? "" : e.Name is null ? $" {e.Kind}" : $" {e.Kind} {e.Name}";
            var text = $"{e.Severity}: {e.File}, document {e.DocumentIndex}{what}: {e.Message}";
            output.Event(e.Severity, text, new { file = e.File, document = e.DocumentIndex, kind = e.Kind, name = e.Name, message = e.Message, severity = e.Severity });
        }

        var errorCount = errors.Count(e => e.Severity == "error");
        var warningCount = errors.Count - errorCount;
        var triggers = loaded.Resources.Count(r => r.Kind != ResourceKind.Function && r.Kind != ResourceKind.Service);
        output.Event("summary", $"{path}: {loaded.Resources.Count} resources ({triggers} triggers), {errorCount} errors, {warningCount} warnings",
            new { resources = loaded.Resources.Count, triggers, errors = errorCount, warnings = warningCount });
        return errorCount == 0 ? 0 : 1;
    }

    /// <summary>The planners of the three workers, built exactly as the workers build them.</summary>
    private static IReadOnlyList<ITriggerCheck> Checks()
    {
        // Broker addresses only satisfy the options checks; validation never connects.
        string[] args = ["--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={Path.GetTempPath()}", "--Logging:LogLevel:Default=None", "--Kafka:BootstrapServers=localhost:9092"];
        return
        [
            .. NatsWorkerHost.CreateBuilder(args).Build().Services.GetServices<ITriggerCheck>(),
            .. KafkaWorkerHost.CreateBuilder(args).Build().Services.GetServices<ITriggerCheck>(),
            .. CronWorkerHost.CreateBuilder(args).Build().Services.GetServices<ITriggerCheck>(),
        ];
    }
}
