using k8s.Models;
using Triggers.Core.Selectors;

namespace Triggers.Core.Tests.Selectors;

public sealed class LabelSelectorTests
{
    private static readonly Dictionary<string, string> AuditLabels = new() { ["function"] = "todo-audit", ["created-by"] = "kubeless", ["tier"] = "backend" };

    private static V1LabelSelectorRequirement Expr(string key, string op, params string[] values) =>
        new() { Key = key, OperatorProperty = op, Values = values.Length == 0 ? null : values };

    [Fact]
    public void Missing_Selector_Matches_Nothing()
    {
        var selector = LabelSelector.Compile(null);
        Assert.True(selector.MatchesNothing);
        Assert.False(selector.Matches(AuditLabels));
        Assert.False(selector.Matches(null));
    }

    [Fact]
    public void Empty_Selector_Matches_Everything_Including_Unlabelled()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector());
        Assert.True(selector.MatchesEverything);
        Assert.True(selector.Matches(AuditLabels));
        Assert.True(selector.Matches(null));
        Assert.True(selector.Matches(new Dictionary<string, string>()));
    }

    [Fact]
    public void Empty_MatchLabels_And_Expressions_Match_Everything()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [], MatchLabels = new Dictionary<string, string>() });
        Assert.True(selector.Matches(null));
    }

    [Fact]
    public void MatchLabels_Require_Every_Pair()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "todo-audit", ["created-by"] = "kubeless" } });
        Assert.True(selector.Matches(AuditLabels));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["function"] = "todo-audit" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["function"] = "other", ["created-by"] = "kubeless" }));
        Assert.False(selector.Matches(null));
    }

    [Theory]
    [InlineData("In", new[] { "backend", "frontend" }, true)]
    [InlineData("In", new[] { "frontend" }, false)]
    [InlineData("NotIn", new[] { "frontend" }, true)]
    [InlineData("NotIn", new[] { "backend" }, false)]
    public void In_And_NotIn_Compare_The_Value(string op, string[] values, bool expected) =>
        Assert.Equal(expected, LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("tier", op, values)] }).Matches(AuditLabels));

    [Fact]
    public void NotIn_Matches_Objects_Without_The_Label()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("env", "NotIn", "prod")] });
        Assert.True(selector.Matches(AuditLabels));
        Assert.True(selector.Matches(null));
    }

    [Fact]
    public void In_Does_Not_Match_Objects_Without_The_Label()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("env", "In", "prod")] });
        Assert.False(selector.Matches(AuditLabels));
    }

    [Fact]
    public void Exists_And_DoesNotExist_Look_At_The_Key_Only()
    {
        Assert.True(LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("tier", "Exists")] }).Matches(AuditLabels));
        Assert.False(LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("env", "Exists")] }).Matches(AuditLabels));
        Assert.False(LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("tier", "DoesNotExist")] }).Matches(AuditLabels));
        Assert.True(LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("env", "DoesNotExist")] }).Matches(AuditLabels));
        Assert.True(LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [Expr("env", "DoesNotExist")] }).Matches(null));
    }

    [Fact]
    public void Labels_And_Expressions_Are_Anded()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { 
            MatchExpressions = [Expr("tier", "In", "backend"), Expr("env", "DoesNotExist")],
            MatchLabels = new Dictionary<string, string> { ["function"] = "todo-audit" } });
        Assert.True(selector.Matches(AuditLabels));
        Assert.False(selector.Matches(new Dictionary<string, string>(AuditLabels) { ["env"] = "prod" }));
    }

    [Theory]
    [InlineData("Equals", "is not a valid label selector operator")]
    [InlineData("in", "is not a valid label selector operator")]
    [InlineData("", "is not a valid label selector operator")]
    public void Invalid_Operator_Is_An_Error_That_Names_The_Expression(string op, string message)
    {
        var ok = LabelSelector.TryCompile(new V1LabelSelector { MatchExpressions = [Expr("tier", "In", "a"), Expr("tier", op, "a")] }, out _, out var error);
        Assert.False(ok);
        Assert.Contains("matchExpressions[1].operator", error);
        Assert.Contains(message, error);
    }

    [Fact]
    public void In_Without_Values_Is_An_Error()
    {
        Assert.False(LabelSelector.TryCompile(new V1LabelSelector { MatchExpressions = [Expr("tier", "In")] }, out _, out var error));
        Assert.Contains("matchExpressions[0].values", error);
    }

    [Fact]
    public void Exists_With_Values_Is_An_Error()
    {
        Assert.False(LabelSelector.TryCompile(new V1LabelSelector { MatchExpressions = [Expr("tier", "Exists", "x")] }, out _, out var error));
        Assert.Contains("may not be specified", error);
    }

    [Theory]
    [InlineData("bad key")]
    [InlineData("-leading")]
    [InlineData("UPPER.example.com/ok")]
    [InlineData("")]
    public void Invalid_Label_Keys_Are_Errors(string key)
    {
        Assert.False(LabelSelector.TryCompile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [key] = "v" } }, out _, out var error));
        Assert.Contains("matchLabels", error);
    }

    [Fact]
    public void Invalid_Label_Value_Is_An_Error()
    {
        Assert.False(LabelSelector.TryCompile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "has space" } }, out _, out var error));
        Assert.Contains("matchLabels[function]", error);
    }

    [Fact]
    public void Prefixed_Keys_And_Empty_Values_Are_Valid()
    {
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app.kubernetes.io/name"] = "", ["function"] = "todo-audit" } });
        Assert.True(selector.Matches(new Dictionary<string, string> { ["app.kubernetes.io/name"] = "", ["function"] = "todo-audit" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["function"] = "todo-audit" }));
    }
}
