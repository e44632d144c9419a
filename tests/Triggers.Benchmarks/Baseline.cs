namespace Triggers.Benchmarks;

/// <summary>
/// <c>BENCH_BASELINE</c>: another build of a worker that takes its turns beside the current one in
/// the <c>nats-bare</c> and <c>kafka</c> scenarios, an A/B of a change in one run.
/// </summary>
internal static class Baseline
{
    public const string Variable = "BENCH_BASELINE";

    /// <summary>
    /// The baseline build of worker <paramref name="project"/>, or null when the variable is not set.
    /// It names a folder holding <c>{project}.dll</c> (a copy of the worker's bin/Release/net10.0
    /// made before a change) or a checkout built with <c>dotnet build -c Release</c>.
    /// </summary>
    public static string? DllOf(string project)
    {
        if (Environment.GetEnvironmentVariable(Variable) is not { Length: > 0 } folder)
        {
            return null;
        }

        string[] candidates = [Path.Combine(folder, project + ".dll"), Path.Combine(folder, "triggers", project, "bin", "Release", "net10.0", project + ".dll")];
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{Variable}={folder} holds no {project}.dll: name a copy of triggers/{project}/bin/Release/net10.0, or a checkout built with dotnet build -c Release.");
    }
}
