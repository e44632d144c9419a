using k8s.Models;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Dispatch;

public sealed class FunctionResolverTests
{
    private static readonly LabelSelector AuditSelector = LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "todo-audit" } });

    private static Function NewFunction(string ns, string name, Dictionary<string, string>? labels = null, Dictionary<string, string>? annotations = null, int? specPort = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, Annotations = annotations },
        Spec = new FunctionSpec { Service = specPort is { } p ? new FunctionServiceSpec { Ports = [new FunctionServicePort { Port = p }] } : null },
    };

    private static V1Service NewService(string ns, string name, int port) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = port }] },
    };

    private static FunctionResolver Resolver(string domain = "cluster.local") => new(Options.Create(new TriggersOptions { ClusterDomain = domain }));

    private static ResourceSnapshot Snapshot(params k8s.IKubernetesObject<V1ObjectMeta>[] items)
    {
        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.Service]);
        cache.Replace(ResourceKind.Function, items.OfType<Function>());
        cache.Replace(ResourceKind.Service, items.OfType<V1Service>());
        return cache.Snapshot();
    }

    [Fact]
    public void A_Trigger_Only_Selects_Functions_In_Its_Own_Namespace()
    {
        var labels = new Dictionary<string, string> { ["function"] = "todo-audit" };
        var snapshot = Snapshot(NewFunction("team-a", "todo-audit", labels), NewFunction("team-b", "todo-audit", labels));
        var resolved = Resolver().Resolve(snapshot, "team-a", AuditSelector);
        var endpoint = Assert.Single(resolved.Endpoints);
        Assert.Equal("team-a", endpoint.Namespace);
        Assert.Empty(Resolver().Resolve(snapshot, "team-c", AuditSelector).Endpoints);
        Assert.Empty(Resolver().Resolve(snapshot, "team-a", LabelSelector.Nothing).Endpoints);
    }

    [Fact]
    public void Address_Uses_The_Service_First_Port()
    {
        var snapshot = Snapshot(NewFunction("ns", "todo-audit", new() { ["function"] = "todo-audit" }, specPort: 9000), NewService("ns", "todo-audit", 8081));
        Assert.Equal(new Uri("http://todo-audit.ns.svc.cluster.local:8081/"), Assert.Single(Resolver().Resolve(snapshot, "ns", AuditSelector).Endpoints).Url);
    }

    [Fact]
    public void Address_Falls_Back_To_The_Function_Service_Spec_Then_8080()
    {
        var snapshot = Snapshot(NewFunction("ns", "a", specPort: 9000), NewFunction("ns", "b"), NewService("other", "a", 1234));
        Assert.Equal(new Uri("http://a.ns.svc.example.internal:9000/"), Assert.Single(Resolver("example.internal").ResolveByName(snapshot, "ns", "a").Endpoints).Url);
        Assert.Equal(new Uri("http://b.ns.svc.cluster.local:8080/"), Assert.Single(Resolver().ResolveByName(snapshot, "ns", "b").Endpoints).Url);
    }

    [Fact]
    public void Endpoint_Annotation_Overrides_The_Service()
    {
        var snapshot = Snapshot(NewFunction("ns", "f", annotations: new() { [Function.EndpointAnnotation] = "http://127.0.0.1:5000/hook" }), NewService("ns", "f", 8081));
        var resolver = new FunctionResolver(Options.Create(new TriggersOptions { AllowedEndpoints = ["http://127.0.0.1:"] }));
        Assert.Equal(new Uri("http://127.0.0.1:5000/hook"), Assert.Single(resolver.ResolveByName(snapshot, "ns", "f").Endpoints).Url);
    }

    [Fact]
    public void A_Bad_Endpoint_Annotation_Is_Reported_With_The_Function_Name()
    {
        var snapshot = Snapshot(NewFunction("ns", "f", annotations: new() { [Function.EndpointAnnotation] = "not a url" }));
        var resolved = Resolver().ResolveByName(snapshot, "ns", "f");
        Assert.Empty(resolved.Endpoints);
        Assert.Contains("ns/f", Assert.Single(resolved.Problems));
        Assert.Contains(Function.EndpointAnnotation, resolved.Problems[0]);
    }

    [Fact]
    public void Unknown_Function_Resolves_To_Nothing()
    {
        Assert.Empty(Resolver().ResolveByName(Snapshot(), "ns", "missing").Endpoints);
    }
}
