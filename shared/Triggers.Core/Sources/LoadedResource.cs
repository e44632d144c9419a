using k8s;
using k8s.Models;
using Triggers.Core.Resources;

namespace Triggers.Core.Sources;

/// <summary>One resource loaded from a manifest, with where it came from.</summary>
public sealed record LoadedResource(ResourceKind Kind, IKubernetesObject<V1ObjectMeta> Resource, string File, int DocumentIndex);
