namespace Triggers.Nats.Tests.Support;

/// <summary>A temporary manifests folder a test writes Functions and NATSTriggers into.</summary>
internal sealed class ManifestFolder : IDisposable
{
    public ManifestFolder()
    {
        Directory.CreateDirectory(Path);
    }

    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "triggers-nats-manifests-" + Guid.NewGuid().ToString("N"));

    public void Write(string file, string yaml)
    {
        // Write then rename, so the watcher never reads a half-written file.
        var temp = System.IO.Path.Combine(Path, "." + file + ".tmp");
        File.WriteAllText(temp, yaml);
        File.Move(temp, System.IO.Path.Combine(Path, file), overwrite: true);
    }

    public void Delete(string file) => File.Delete(System.IO.Path.Combine(Path, file));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string Function(string name, Uri endpoint, string @namespace = "default", string? labelValue = null) => $"""
        apiVersion: kubeless.io/v1beta1
        kind: Function
        metadata:
          name: {name}
          namespace: {@namespace}
          labels:
            function: {labelValue ?? name}
          annotations:
            triggers/endpoint: "{endpoint}"
        spec:
          handler: handler.run
          runtime: python3.7
        """;

    public static string Trigger(string name, string topic, string selectorValue, string @namespace = "default", string extraSpec = "") => $"""
        apiVersion: kubeless.io/v1beta1
        kind: NATSTrigger
        metadata:
          name: {name}
          namespace: {@namespace}
        spec:
          topic: {topic}
          functionSelector:
            matchLabels:
              function: {selectorValue}
        {extraSpec}
        """;
}
