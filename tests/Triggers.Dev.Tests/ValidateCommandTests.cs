namespace Triggers.Dev.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-validate-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Session => Path.Combine(_folder, "session.json");

    [Fact]
    public async Task The_Local_Examples_Are_Valid()
    {
        var examples = Path.Combine(RepoRoot(), "deploy", "examples", "local");
        var (exit, output) = await DevProcess.RunAsync(Session, "validate", examples);
        Assert.True(exit == 0, output);
        Assert.Contains("0 errors", output);
    }

    [Fact]
    public async Task The_Chapter_21_Manifests_Are_Valid()
    {
        var (exit, output) = await DevProcess.RunAsync(Session, "validate", Path.Combine(RepoRoot(), "deploy", "examples", "kubeless"));
        Assert.True(exit == 0, output);
    }

    [Fact]
    public async Task Broken_Manifests_Fail_With_File_Document_And_Field()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "good.yaml"), """
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: f
              labels: {function: f}
            """);
        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.yaml"), """
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: fine
            spec:
              topic: events.ok
              functionSelector: {matchLabels: {function: f}}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: bad-selector
            spec:
              topic: events.x
              functionSelector:
                matchExpressions:
                - {key: function, operator: Equals, values: [f]}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: bad-schedule
            spec:
              function-name: f
              schedule: "every minute please"
            ---
            apiVersion: kubeless.io/v1beta1
            kind: KafkaTrigger
            metadata:
              name: wrong-type
            spec:
              topic: [a, b]
            """);

        var (exit, output) = await DevProcess.RunAsync(Session, "validate", _folder);
        Assert.Equal(1, exit);
        Assert.Contains("broken.yaml, document 2 NATSTrigger default/bad-selector", output);
        Assert.Contains("matchExpressions[0].operator", output);
        Assert.Contains("broken.yaml, document 3 CronJobTrigger default/bad-schedule", output);
        Assert.Contains("broken.yaml, document 4 KafkaTrigger wrong-type", output);
        Assert.Contains("spec.topic", output);
        Assert.DoesNotContain("fine", output.Split('\n').Where(l => l.StartsWith("error", StringComparison.Ordinal)).SelectMany(l => l.Split(' ')));
        Assert.Contains("3 errors", output);
    }

    [Fact]
    public async Task Json_Output_Is_One_Object_Per_Line()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "x.yaml"), "apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata: {}\n");
        var (exit, output) = await DevProcess.RunAsync(Session, "validate", _folder, "--json");
        Assert.Equal(1, exit);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var doc = System.Text.Json.JsonDocument.Parse(line);
            Assert.True(doc.RootElement.TryGetProperty("type", out _));
        }

        Assert.Contains("metadata.name is missing", output);
    }

    [Fact]
    public async Task A_Missing_Folder_Is_An_Error()
    {
        var (exit, output) = await DevProcess.RunAsync(Session, "validate", Path.Combine(_folder, "nope"));
        Assert.Equal(1, exit);
        Assert.Contains("no such file or folder", output);
    }

    [Fact]
    public async Task Unknown_Commands_Print_Usage_And_Exit_2()
    {
        var (exit, output) = await DevProcess.RunAsync(Session, "frobnicate");
        Assert.Equal(2, exit);
        Assert.Contains("unknown command 'frobnicate'", output);
        Assert.Contains("Usage:", output);
    }

    internal static string RepoRoot() => Triggers.Testing.RepositoryFiles.Root;
}
