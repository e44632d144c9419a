using System.Diagnostics;
using Triggers.Dev.Internal;
using Triggers.Testing;

namespace Triggers.Dev.Tests;

/// <summary>triggers-dev behaves like a command-line tool: help, version, errors on stderr with exit codes, no stack traces.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-dev-cli-").FullName;

    private string Session => Path.Combine(_folder, "session.json");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Version_Prints_The_Version_And_Starts_Nothing()
    {
        var (exit, output) = await DevProcess.RunAsync(Session, "--version");
        Assert.Equal(0, exit);
        Assert.StartsWith("0.1.0", output.Trim(), StringComparison.Ordinal);
        Assert.False(File.Exists(Session), "no runner started");
    }

    [Theory]
    [InlineData("validate", "--manifests")]
    [InlineData("demo", "--watch")]
    [InlineData("fire", "NAMESPACE/NAME")]
    [InlineData("produce", "kafka")]
    public async Task Every_Command_Has_Its_Own_Help(string command, string mentions)
    {
        var (exit, output) = await DevProcess.RunAsync(Session, command, "--help");
        Assert.Equal(0, exit);
        Assert.Contains($"triggers-dev {command}", output, StringComparison.Ordinal);
        Assert.Contains(mentions, output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate", "--bogus")]
    [InlineData("demo", "--bogus")]
    [InlineData("--bogus")]
    public async Task Unknown_Options_Are_Errors(params string[] args)
    {
        var (exit, output) = await DevProcess.RunAsync(Session, args);
        Assert.Equal(2, exit);
        Assert.Contains("stderr: triggers-dev:", output, StringComparison.Ordinal);
        Assert.Contains("--bogus", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Session), "no runner started");
    }

    [Fact]
    public async Task Verbose_Is_A_Flag_Not_The_Value_Of_The_Path()
    {
        var (exit, output) = await DevProcess.RunAsync(Session, "validate", "--verbose", RepositoryFiles.PathOf("deploy/examples/local"));
        Assert.True(exit == 0, output);
        Assert.Contains("ok: nats.yaml, document 1 NATSTrigger default/todo-audit", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fire_At_A_Closed_Port_Says_So_On_Stderr_Without_A_Stack_Trace()
    {
        // A port that was free a moment ago: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var (exit, output) = await DevProcess.RunAsync(Session, "fire", "default/x", "--cron", $"http://127.0.0.1:{port}/");
        Assert.Equal(1, exit);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.StartsWith("stderr: triggers-dev:", StringComparison.Ordinal) && l.Contains("refused", StringComparison.OrdinalIgnoreCase));
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Relative_Paths_Are_Read_From_The_Callers_Folder()
    {
        var start = new ProcessStartInfo("dotnet") { ArgumentList = { DevProcess.Dll }, WorkingDirectory = RepositoryFiles.Root };
        var (exit, output) = await DevProcess.RunAsync(start, Session, "validate", "deploy/examples/local");
        Assert.True(exit == 0, output);
    }

    [Fact]
    public void Cron_State_Is_Kept_Per_Manifests_Folder()
    {
        Assert.Equal(LocalRunner.DefaultStatePath("/a/deploy/examples/local"), LocalRunner.DefaultStatePath("/a/deploy/examples/local"));
        Assert.NotEqual(LocalRunner.DefaultStatePath("/a/deploy/examples/local"), LocalRunner.DefaultStatePath("/b/deploy/examples/local"));
    }
}
