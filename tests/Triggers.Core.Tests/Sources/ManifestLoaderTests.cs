using System.Text.Json;
using Triggers.Core.Resources;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Sources;

public sealed class ManifestLoaderTests
{
    private const string BookScenario = """
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: todo-audit
          namespace: kiamol-ch21
          labels:
            function: todo-audit
        spec:
          handler: audit.handler
          runtime: python3.7
          timeout: "180"
          function: |
            def handler(event, context):
              print('AUDIT')
          somethingNew: kept
        ---
        apiVersion: kubeless.io/v1beta1
        kind: NATSTrigger
        metadata:
          name: todo-audit
          namespace: kiamol-ch21
          labels:
            created-by: kubeless
        spec:
          functionSelector:
            matchLabels:
              function: todo-audit
          topic: events.todo.newitem
        ---
        apiVersion: kubeless.io/v1beta1
        kind: CronJobTrigger
        metadata:
          name: todo-mutating-handler
          finalizers:
          - kubeless.io/cronjobtrigger
        spec:
          function-name: todo-mutating-handler
          schedule: '*/1 * * * *'
          payload:
            dryRun: true
            ids: [1, 2]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: not-ours
        """;

    [Fact]
    public void Loads_Kubeless_Manifests_With_Exact_Field_Names()
    {
        var result = ManifestLoader.LoadText(BookScenario, "book.yaml", "default");
        Assert.Empty(result.Problems);
        Assert.Equal(3, result.Resources.Count);
        Assert.Equal(1, result.SkippedDocuments);

        var function = Assert.IsType<Function>(result.Resources[0].Resource);
        Assert.Equal("kiamol-ch21", function.Namespace);
        Assert.Equal("todo-audit", function.Metadata.Labels["function"]);
        Assert.Equal("180", function.Spec.Timeout);
        Assert.Equal("audit.handler", function.Spec.Handler);

        var nats = Assert.IsType<NatsTrigger>(result.Resources[1].Resource);
        Assert.Equal("events.todo.newitem", nats.Spec.Topic);
        Assert.Equal("todo-audit", nats.Spec.FunctionSelector!.MatchLabels["function"]);

        var cron = Assert.IsType<CronJobTrigger>(result.Resources[2].Resource);
        Assert.Equal("default", cron.Namespace);
        Assert.Equal("todo-mutating-handler", cron.Spec.FunctionName);
        Assert.Equal("*/1 * * * *", cron.Spec.Schedule);
        Assert.Equal(JsonValueKind.Object, cron.Spec.Payload!.Value.ValueKind);
        Assert.True(cron.Spec.Payload.Value.GetProperty("dryRun").GetBoolean());
        Assert.Equal(2, cron.Spec.Payload.Value.GetProperty("ids")[1].GetInt32());
        Assert.Contains("kubeless.io/cronjobtrigger", cron.Metadata.Finalizers);
    }

    [Fact]
    public void Unknown_Fields_Are_Preserved()
    {
        var result = ManifestLoader.LoadText(BookScenario, "book.yaml", "default");
        var function = Assert.IsType<Function>(result.Resources[0].Resource);
        Assert.Equal("kept", function.Spec.AdditionalProperties!["somethingNew"].GetString());
        var json = k8s.KubernetesJson.Serialize(function);
        Assert.Contains("\"somethingNew\":\"kept\"", json);
    }

    [Fact]
    public void A_Broken_Document_Is_Reported_With_File_And_Index_And_The_Rest_Load()
    {
        const string text = """
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: one
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: broken
            spec:
              topic: [not, a, string]
            ---
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: three
            """;
        var result = ManifestLoader.LoadText(text, "mixed.yaml", "default");
        Assert.Equal(["one", "three"], result.Resources.Select(r => r.Resource.Metadata.Name));
        var problem = Assert.Single(result.Problems);
        Assert.Equal("mixed.yaml", problem.File);
        Assert.Equal(2, problem.DocumentIndex);
        Assert.Contains("spec.topic", problem.Message);
        Assert.Contains("mixed.yaml, document 2 NATSTrigger broken", problem.ToString());
    }

    [Fact]
    public void Comment_Only_Chunks_Are_Not_Documents_And_Crlf_Loads_Like_Lf()
    {
        const string text = """
            # leading comment
            ---
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: one
            ---
              # only a comment
            ...
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: broken
              labels: {a: [}
            """;
        var lf = ManifestLoader.LoadText(text.ReplaceLineEndings("\n"), "c.yaml", "default");
        var crlf = ManifestLoader.LoadText(text.ReplaceLineEndings("\r\n"), "c.yaml", "default");
        foreach (var result in new[] { lf, crlf })
        {
            var loaded = Assert.Single(result.Resources);
            Assert.Equal(1, loaded.DocumentIndex);
            var problem = Assert.Single(result.Problems);
            Assert.Equal(2, problem.DocumentIndex);
            Assert.Contains("invalid YAML at line 15, column 16", problem.Message, StringComparison.Ordinal);
        }

        // The content hash the loader has always given this document (it stands in for resourceVersion).
        Assert.Equal("b2b733e63d9090fc", lf.Resources[0].Resource.Metadata.ResourceVersion);
        Assert.Equal(lf.Resources[0].Resource.Metadata.ResourceVersion, crlf.Resources[0].Resource.Metadata.ResourceVersion);
        Assert.Equal(lf.Problems[0].Message, crlf.Problems[0].Message);
    }

    [Fact]
    public void Invalid_Yaml_In_One_Document_Does_Not_Hide_The_Next()
    {
        const string text = """
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: [unclosed
            ---
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: fine
            """;
        var result = ManifestLoader.LoadText(text, "f.yaml", "default");
        Assert.Equal("fine", Assert.Single(result.Resources).Resource.Metadata.Name);
        var problem = Assert.Single(result.Problems);
        Assert.Equal(1, problem.DocumentIndex);
        Assert.Contains("invalid YAML at line", problem.Message);
    }

    [Theory]
    [InlineData("kind: Function\nmetadata:\n  name: x\n", "apiVersion is missing")]
    [InlineData("apiVersion: kubeless.io/v1beta1\nmetadata:\n  name: x\n", "kind is missing")]
    [InlineData("apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata: {}\n", "metadata.name is missing")]
    [InlineData("apiVersion: kubeless.io/v1\nkind: Function\nmetadata:\n  name: x\n", "apiVersion kubeless.io/v1 is not supported")]
    [InlineData("- just\n- a list\n", "must be a mapping")]
    public void Missing_Or_Wrong_Fields_Are_Named(string text, string expected)
    {
        var result = ManifestLoader.LoadText(text, "x.yaml", "default");
        Assert.Empty(result.Resources);
        Assert.Contains(expected, Assert.Single(result.Problems).Message);
    }

    [Fact]
    public void Yaml_Scalars_Are_Typed_Like_Kubernetes_Does()
    {
        const string text = """
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: typed
            spec:
              schedule: "@hourly"
              function-name: f
              suspend: true
              startingDeadlineSeconds: 30
              payload:
                quoted: "10"
                number: 10
                real: 1.5
                nothing: null
                text: hello
            """;
        var trigger = Assert.IsType<CronJobTrigger>(Assert.Single(ManifestLoader.LoadText(text, "t.yaml", "default").Resources).Resource);
        Assert.True(trigger.Spec.Suspend);
        Assert.Equal(30, trigger.Spec.StartingDeadlineSeconds);
        var payload = trigger.Spec.Payload!.Value;
        Assert.Equal(JsonValueKind.String, payload.GetProperty("quoted").ValueKind);
        Assert.Equal(JsonValueKind.Number, payload.GetProperty("number").ValueKind);
        Assert.Equal(1.5, payload.GetProperty("real").GetDouble());
        Assert.Equal(JsonValueKind.Null, payload.GetProperty("nothing").ValueKind);
        Assert.Equal("hello", payload.GetProperty("text").GetString());
    }

    [Fact]
    public void Duplicates_Across_Files_Keep_The_First_And_Report_The_Second()
    {
        var a = ManifestLoader.LoadText("apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata:\n  name: f\n", "a.yaml", "default");
        var b = ManifestLoader.LoadText("apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata:\n  name: f\n", "b.yaml", "default");
        var result = ManifestLoader.Deduplicate(a.Resources.Concat(b.Resources), [], 0);
        Assert.Equal("a.yaml", Assert.Single(result.Resources).File);
        Assert.Contains("already defined in a.yaml", Assert.Single(result.Problems).Message);
    }
}
