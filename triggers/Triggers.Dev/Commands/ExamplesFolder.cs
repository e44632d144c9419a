namespace Triggers.Dev.Commands;

/// <summary>Finds <c>deploy/examples/local</c> from the working directory or the program's folder upwards.</summary>
internal static class ExamplesFolder
{
    public static string? Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "deploy", "examples", "local");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
