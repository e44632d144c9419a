using System.Diagnostics;
using Triggers.Testing;

namespace Triggers.Dev.Tests;

/// <summary>triggers-dev packs as a .NET tool that installs with <c>dotnet tool install --tool-path</c> and runs.</summary>
public sealed class ToolPackageTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-dev-tool-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Packed_Tool_Installs_Prints_Its_Version_And_Validates_From_The_Callers_Folder()
    {
        var feed = Path.Combine(_folder, "feed");
        var tools = Path.Combine(_folder, "tools");
        await DotnetAsync("pack", RepositoryFiles.PathOf("triggers/Triggers.Dev/Triggers.Dev.csproj"), "-c", RepositoryFiles.Configuration, "--no-build", "-o", feed);
        Assert.Single(Directory.GetFiles(feed, "triggers-dev.*.nupkg"));

        await DotnetAsync("tool", "install", "--tool-path", tools, "--add-source", feed, "triggers-dev");

        var tool = Path.Combine(tools, "triggers-dev");
        var (exit, output) = await DevProcess.RunAsync(new ProcessStartInfo(tool), Path.Combine(_folder, "session.json"), "--version");
        Assert.True(exit == 0, output);
        Assert.StartsWith("0.1.0", output.Trim(), StringComparison.Ordinal);

        (exit, output) = await DevProcess.RunAsync(new ProcessStartInfo(tool) { WorkingDirectory = RepositoryFiles.Root }, Path.Combine(_folder, "session.json"), "validate", "deploy/examples/local");
        Assert.True(exit == 0, output);
    }

    private async Task DotnetAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = _folder };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The tool's own NuGet folders stay inside the test's folder.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        Assert.True(process.ExitCode == 0, $"dotnet {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}\n{await stderr}");
    }
}
