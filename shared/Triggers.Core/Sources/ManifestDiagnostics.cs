
namespace Triggers.Core.Sources;

/// <summary>The manifest problems of the last load, for <c>/status</c> and the local runner.</summary>
public sealed class ManifestDiagnostics
{
    private volatile IReadOnlyList<ManifestProblem> _problems = [];

    public IReadOnlyList<ManifestProblem> Problems => _problems;

    internal void Set(IReadOnlyList<ManifestProblem> problems) => _problems = problems;
}
