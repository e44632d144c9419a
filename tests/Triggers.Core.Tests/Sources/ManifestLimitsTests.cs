using System.Text;
using Triggers.Core.Sources;
using Triggers.Testing;

namespace Triggers.Core.Tests.Sources;

public sealed class ManifestLimitsTests
{
    [Fact]
    public void An_Alias_Bomb_Is_A_Problem_Of_Its_Document_And_Costs_No_Memory()
    {
        Assert.True(HostileManifests.AliasBomb().Length < 1024);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var result = ManifestLoader.LoadText(HostileManifests.AliasBomb() + "---\n" + Function("survivor"), "bomb.yaml", "default");
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        var problem = Assert.Single(result.Problems);
        Assert.Equal("bomb.yaml", problem.File);
        Assert.Equal(1, problem.DocumentIndex);
        Assert.Contains("aliases expanded", problem.Message, StringComparison.Ordinal);
        Assert.Matches("line [0-9]+, column [0-9]+", problem.Message);
        Assert.Equal("survivor", Assert.Single(result.Resources).Resource.Metadata.Name);
        Assert.True(allocated < 50L * 1024 * 1024, $"rejecting the bomb allocated {allocated / (1024 * 1024)} MB");
    }

    [Fact]
    public void An_Unterminated_Flow_Mapping_Is_Reported_With_Line_And_Column()
    {
        var result = ManifestLoader.LoadText(HostileManifests.UnterminatedFlowMapping, "cut.yaml", "default");
        var problem = Assert.Single(result.Problems);
        Assert.Equal("cut.yaml", problem.File);
        Assert.Equal(1, problem.DocumentIndex);
        Assert.Matches("invalid YAML at line [0-9]+, column [0-9]+", problem.Message);
        Assert.DoesNotContain("current state of the object", problem.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_Deeper_Than_The_Limit_Is_Reported_Not_A_Stack_Overflow()
    {
        var depth = 100_000;
        var text = "apiVersion: v1\nkind: ConfigMap\ndata: " + new string('[', depth) + new string(']', depth) + "\n";
        var result = ManifestLoader.LoadText(text, "deep.yaml", "default");
        Assert.Contains("nesting deeper than the limit", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_Document_Larger_Than_The_Limit_Is_Reported()
    {
        var text = Function("big") + "  annotations: {big: \"" + new string('x', ManifestLimits.MaxDocumentChars) + "\"}\n";
        var problem = Assert.Single(ManifestLoader.LoadText(text, "big.yaml", "default").Problems);
        Assert.Contains("more than the limit", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_Within_The_Limit_Still_Load()
    {
        var text = new StringBuilder(Function("anchored"));
        text.Append("  annotations: &notes {team: audit}\nspec:\n  handler: h.run\n  runtime: python3.7\n  deployment:\n    metadata:\n      annotations: *notes\n");
        var result = ManifestLoader.LoadText(text.ToString(), "ok.yaml", "default");
        Assert.Empty(result.Problems);
        Assert.Single(result.Resources);
    }

    private static string Function(string name) => $"apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata:\n  name: {name}\n";
}
