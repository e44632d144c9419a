using System.Text;

namespace Triggers.Benchmarks;

/// <summary>A temporary manifests folder for a worker under test.</summary>
internal sealed class Manifests : IDisposable
{
    private Manifests(string path) => Path = path;

    public string Path { get; }

    public static string[] Args(string path) => ["--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={path}"];

    public static Manifests Create(Action<StringBuilder> write)
    {
        var folder = Directory.CreateTempSubdirectory("triggers-bench-").FullName;
        var text = new StringBuilder();
        write(text);
        File.WriteAllText(System.IO.Path.Combine(folder, "bench.yaml"), text.ToString());
        return new Manifests(folder);
    }

    /// <summary>The Function <c>bench</c> (label <c>function: bench</c>) at <paramref name="url"/>, followed by a document separator.</summary>
    public static string BenchFunction(object url) => $$"""
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: bench
          labels: {function: bench}
          annotations: {triggers/endpoint: "{{url}}"}
        ---

        """;

    public static Manifests Nats(Uri function, string subject, int maxInFlight, string extraSpec = "") => Create(y => y.Append(BenchFunction(function)).Append($"""
        apiVersion: kubeless.io/v1beta1
        kind: NATSTrigger
        metadata:
          name: bench
        spec:
          topic: {subject}
          maxInFlight: {maxInFlight}
          functionSelector: {"{"}matchLabels: {"{"}function: bench{"}"}{"}"}
        {extraSpec}
        """));

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
