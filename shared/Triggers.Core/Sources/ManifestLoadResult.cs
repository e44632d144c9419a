namespace Triggers.Core.Sources;

/// <summary>What a file or folder held: resources Triggers handles, problems, and documents of other kinds it skipped.</summary>
public sealed record ManifestLoadResult(IReadOnlyList<LoadedResource> Resources, IReadOnlyList<ManifestProblem> Problems, int SkippedDocuments);
