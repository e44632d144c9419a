namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>YAML manifests a Kubeless user would write, pointed at a local function server.</summary>
internal static class Manifests
{
    public static string Function(string name, Uri endpoint, string @namespace = "default") => $"""
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: {name}
          namespace: {@namespace}
          labels:
            created-by: kubeless
            function: {name}
          annotations:
            triggers/endpoint: "{endpoint}"
        spec:
          handler: handler.main
          runtime: python3.7
          function: |
            def main(event, context):
                return "ok"
        """;

    public static string KafkaTrigger(string name, string function, string topic, string @namespace = "default", string extraSpec = "") => $"""
        apiVersion: kubeless.io/v1beta1
        kind: KafkaTrigger
        metadata:
          name: {name}
          namespace: {@namespace}
          labels:
            created-by: kubeless
          finalizers:
          - kubeless.io/kafkatrigger
        spec:
          topic: {topic}
          functionSelector:
            matchLabels:
              function: {function}
        {Indent(extraSpec, "  ")}
        """;

    private static string Indent(string text, string prefix) =>
        string.Join("\n", text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => prefix + l));
}
