using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Sources;

/// <summary>
/// Reads Kubernetes manifests (multi-document YAML) into resource models. One broken
/// document never hides the others: each problem names the file, the document index and the field.
/// </summary>
public static class ManifestLoader
{
    /// <summary>Every <c>*.yaml</c>/<c>*.yml</c> file below a folder (subfolders too, hidden files not), in a stable order.</summary>
    public static IReadOnlyList<string> FindFiles(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Where(IsManifestFile)
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];

    public static bool IsManifestFile(string path)
    {
        var ext = Path.GetExtension(path);
        var name = Path.GetFileName(path);
        return !name.StartsWith('.') &&
               (ext.Equals(".yaml", StringComparison.OrdinalIgnoreCase) || ext.Equals(".yml", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Loads every manifest file below <paramref name="folder"/> and reports duplicates across files.</summary>
    public static ManifestLoadResult LoadFolder(string folder, string defaultNamespace)
    {
        var resources = new List<LoadedResource>();
        var problems = new List<ManifestProblem>();
        var skipped = 0;
        foreach (var file in FindFiles(folder))
        {
            var result = LoadFile(file, defaultNamespace, Path.GetRelativePath(folder, file));
            resources.AddRange(result.Resources);
            problems.AddRange(result.Problems);
            skipped += result.SkippedDocuments;
        }

        return Deduplicate(resources, problems, skipped);
    }

    /// <summary>Reports the second and later definitions of the same kind/namespace/name and keeps the first.</summary>
    public static ManifestLoadResult Deduplicate(IEnumerable<LoadedResource> resources, IEnumerable<ManifestProblem> problems, int skipped)
    {
        var seen = new Dictionary<(ResourceKind, ResourceKey), LoadedResource>();
        var kept = new List<LoadedResource>();
        var allProblems = problems.ToList();
        foreach (var resource in resources)
        {
            var key = (resource.Kind, ResourceKey.Of(resource.Resource));
            if (seen.TryGetValue(key, out var first))
            {
                allProblems.Add(new ManifestProblem(resource.File, resource.DocumentIndex,
                    $"duplicate: {resource.Kind.Kind} {key.Item2} is already defined in {first.File}, document {first.DocumentIndex}; this one is ignored",
                    resource.Kind.Kind, key.Item2.ToString()));
                continue;
            }

            seen[key] = resource;
            kept.Add(resource);
        }

        return new ManifestLoadResult(kept, allProblems, skipped);
    }

    /// <summary>Loads one file; <paramref name="displayName"/> is how problems name it.</summary>
    public static ManifestLoadResult LoadFile(string path, string defaultNamespace, string? displayName = null)
    {
        displayName ??= path;
        string text;
        try
        {
            var size = new FileInfo(path).Length;
            if (size > ManifestLimits.MaxFileBytes)
            {
                return new([], [new ManifestProblem(displayName, 0, $"the file is {size} bytes, more than the limit of {ManifestLimits.MaxFileBytes}")], 0);
            }

            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new([], [new ManifestProblem(displayName, 0, $"cannot read file: {e.Message}")], 0);
        }

        return LoadText(text, displayName, defaultNamespace);
    }

    /// <summary>Loads manifests from YAML text; each <c>---</c>-separated document is parsed on its own so one broken document never hides the next.</summary>
    public static ManifestLoadResult LoadText(string text, string displayName, string defaultNamespace)
    {
        var resources = new List<LoadedResource>();
        var problems = new List<ManifestProblem>();
        var skipped = 0;
        var index = 0;
        foreach (var (chunk, firstLine) in YamlDocuments.Split(text))
        {
            if (YamlDocuments.IsBlank(chunk))
            {
                continue;
            }

            index++;
            foreach (var (kind, loaded, problem) in ParseDocument(chunk, firstLine, displayName, index, defaultNamespace))
            {
                switch (kind)
                {
                    case DocumentKind.Resource:
                        resources.Add(loaded!);
                        break;
                    case DocumentKind.Problem:
                        problems.Add(problem!);
                        break;
                    case DocumentKind.Other:
                        skipped++;
                        break;
                }
            }
        }

        return new(resources, problems, skipped);
    }

    /// <summary>One <c>---</c>-separated chunk (usually one document); <paramref name="index"/> is its 1-based number among the non-blank chunks.</summary>
    private static List<(DocumentKind Kind, LoadedResource? Resource, ManifestProblem? Problem)> ParseDocument(string chunk, int firstLine, string displayName, int index, string defaultNamespace)
    {
        if (YamlGuard.TryLoad(chunk, firstLine, out var error) is not { } stream)
        {
            return [(DocumentKind.Problem, null, new ManifestProblem(displayName, index, error!))];
        }

        var documents = new List<(DocumentKind, LoadedResource?, ManifestProblem?)>(stream.Documents.Count);
        foreach (var document in stream.Documents)
        {
            var kind = ToResource(document.RootNode, displayName, index, defaultNamespace, out var loaded, out var problem);
            documents.Add((kind, loaded, problem));
        }

        return documents;
    }

    private static DocumentKind ToResource(YamlNode root, string file, int index, string defaultNamespace, out LoadedResource? loaded, out ManifestProblem? problem)
    {
        loaded = null;
        problem = null;
        JsonNode? json;
        try
        {
            json = YamlJson.ToJson(root);
        }
        catch (YamlException e)
        {
            problem = new ManifestProblem(file, index, $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}");
            return DocumentKind.Problem;
        }

        if (json is null || (json is JsonValue v && v.GetValueKind() == JsonValueKind.Null))
        {
            return DocumentKind.Empty;
        }

        if (json is not JsonObject obj)
        {
            problem = new ManifestProblem(file, index, "a manifest document must be a mapping with apiVersion, kind and metadata");
            return DocumentKind.Problem;
        }

        var apiVersion = (obj["apiVersion"] as JsonValue)?.TryGetValue<string>(out var av) == true ? av : null;
        var kindName = (obj["kind"] as JsonValue)?.TryGetValue<string>(out var k) == true ? k : null;
        if (apiVersion is null || kindName is null)
        {
            problem = new ManifestProblem(file, index, apiVersion is null ? "field apiVersion is missing" : "field kind is missing", kindName);
            return DocumentKind.Problem;
        }

        if (kindName == "List" && obj["items"] is JsonArray)
        {
            problem = new ManifestProblem(file, index, "kind List is not supported; write one document per resource", kindName);
            return DocumentKind.Problem;
        }

        var kind = ResourceKind.Find(apiVersion, kindName);
        if (kind is null)
        {
            if (apiVersion.StartsWith("kubeless.io/", StringComparison.Ordinal) && apiVersion != "kubeless.io/v1beta1")
            {
                problem = new ManifestProblem(file, index, $"apiVersion {apiVersion} is not supported; use kubeless.io/v1beta1", kindName);
                return DocumentKind.Problem;
            }

            return DocumentKind.Other; // Deployments, HTTPTriggers, ...: not ours to run
        }

        var name = (obj["metadata"]?["name"] as JsonValue)?.TryGetValue<string>(out var n) == true ? n : null;
        if (string.IsNullOrEmpty(name))
        {
            problem = new ManifestProblem(file, index, "field metadata.name is missing", kindName);
            return DocumentKind.Problem;
        }

        // Serialised once: the model is read from it and the content hash taken of it.
        var text = obj.ToJsonString();
        IKubernetesObject<V1ObjectMeta> resource;
        try
        {
            resource = ResourceJson.Deserialize(kind, text);
        }
        catch (JsonException e)
        {
            var field = string.IsNullOrEmpty(e.Path) ? "" : $"field {e.Path.TrimStart('$', '.')}: ";
            problem = new ManifestProblem(file, index, $"{field}{FirstSentence(e.Message)}", kindName, name);
            return DocumentKind.Problem;
        }

        resource.Metadata ??= new V1ObjectMeta();
        resource.Metadata.NamespaceProperty ??= defaultNamespace;
        resource.Metadata.Generation ??= 1;
        // A content hash stands in for the API server's resourceVersion, so an unchanged document is a no-op.
        resource.Metadata.ResourceVersion ??= Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)), 0, 8).ToLowerInvariant();
        loaded = new LoadedResource(kind, resource, file, index);
        return DocumentKind.Resource;
    }

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private enum DocumentKind
    {
        Resource,
        Problem,
        Empty,
        Other,
    }
}
