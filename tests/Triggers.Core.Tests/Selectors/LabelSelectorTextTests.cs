using Triggers.Core.Selectors;

namespace Triggers.Core.Tests.Selectors;

public sealed class LabelSelectorTextTests
{
    [Theory]
    [InlineData("tier=gold", "gold", true)]
    [InlineData("tier=gold", "silver", false)]
    [InlineData("tier=gold", null, false)]
    [InlineData("tier==gold", "gold", true)]
    [InlineData("tier!=gold", "gold", false)]
    [InlineData("tier!=gold", "silver", true)]
    [InlineData("tier!=gold", null, true)]
    [InlineData("tier in (gold, silver)", "silver", true)]
    [InlineData("tier notin (gold,silver)", "silver", false)]
    [InlineData("tier notin (gold,silver)", "bronze", true)]
    [InlineData("tier", "x", true)]
    [InlineData("tier", null, false)]
    [InlineData("!tier", null, true)]
    [InlineData("!tier", "x", false)]
    [InlineData("", null, true)]
    public void Parses_The_String_Form_Kubectl_And_The_Api_Take(string text, string? tier, bool matches)
    {
        Assert.True(LabelSelectorText.TryParse(text, out var selector, out var error), error);
        var labels = tier is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["tier"] = tier };

        Assert.Equal(matches, selector.Matches(labels));
    }

    [Fact]
    public void Requirements_Are_Anded()
    {
        Assert.True(LabelSelectorText.TryParse("tier=gold,team in (a,b),!legacy", out var selector, out _));

        Assert.True(selector.Matches(new Dictionary<string, string> { ["tier"] = "gold", ["team"] = "a" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["tier"] = "gold", ["team"] = "c" }));
        Assert.False(selector.Matches(new Dictionary<string, string> { ["tier"] = "gold", ["team"] = "a", ["legacy"] = "" }));
    }

    [Theory]
    [InlineData("tier in gold")]
    [InlineData("tier=gold,,team=a")]
    [InlineData("bad key!=x")]
    [InlineData("tier=not valid")]
    public void Bad_Selectors_Are_Refused_At_Start_Naming_The_Key(string text)
    {
        Assert.False(LabelSelectorText.TryParse(text, out _, out var error));
        Assert.False(string.IsNullOrEmpty(error));

        var result = new TriggersOptionsValidator().Validate(null, new TriggersOptions { TriggerSelector = text });
        Assert.Contains("Triggers:TriggerSelector", result.FailureMessage, StringComparison.Ordinal);
    }
}
