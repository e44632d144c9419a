using Triggers.Testing;

namespace Triggers.Dev.Tests;

public sealed class ValidateHostileManifestsTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-validate-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Validate_Names_The_Alias_Bomb_And_The_Cut_Off_File_And_Exits_1()
    {
        var manifests = Directory.CreateDirectory(Path.Combine(_folder, "manifests")).FullName;
        await File.WriteAllTextAsync(Path.Combine(manifests, "bomb.yaml"), HostileManifests.AliasBomb());
        await File.WriteAllTextAsync(Path.Combine(manifests, "cut.yaml"), HostileManifests.UnterminatedFlowMapping);

        var (exit, output) = await DevProcess.RunAsync(Path.Combine(_folder, "session.json"), "validate", manifests);

        Assert.True(exit == 1, output);
        Assert.Contains("bomb.yaml", output, StringComparison.Ordinal);
        Assert.Contains("aliases expanded", output, StringComparison.Ordinal);
        Assert.Contains("cut.yaml", output, StringComparison.Ordinal);
        Assert.Matches("cut.yaml.*line [0-9]+, column [0-9]+", output);
        Assert.DoesNotContain("current state of the object", output, StringComparison.Ordinal);
    }
}
