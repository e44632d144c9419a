using k8s.Models;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Policy;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Policy;

/// <summary>Which <c>triggers/endpoint</c> URLs a tenant's Function may name (issue: untrusted tenants).</summary>
public sealed class EndpointPolicyTests
{
    private static Function NewFunction(string ns, string name, string? endpoint = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["function"] = name },
            Annotations = endpoint is null ? null : new Dictionary<string, string> { [Function.EndpointAnnotation] = endpoint },
        },
    };

    private static EndpointPolicy Policy(params string[] allowed) =>
        new(new TriggersOptions { AllowedEndpoints = allowed, ClusterDomain = "cluster.local" });

    private static string? Check(EndpointPolicy policy, string ns, string url) => policy.Check(NewFunction(ns, "fn"), new Uri(url));

    [Theory]
    [InlineData("http://fn.tenant-a.svc:8080/")]
    [InlineData("http://other.tenant-a.svc/")]
    [InlineData("https://fn.tenant-a.svc.cluster.local:9443/hooks/x?y=1")]
    [InlineData("http://FN.TENANT-A.SVC.CLUSTER.LOCAL./")]
    public void A_Service_Of_The_Functions_Own_Namespace_Is_Allowed(string url) =>
        Assert.Null(Check(Policy(), "tenant-a", url));

    [Theory]
    [InlineData("http://fn.tenant-b.svc:8080/")]
    [InlineData("http://fn.tenant-b.svc.cluster.local/")]
    [InlineData("http://x.fn.tenant-a.svc/")]
    [InlineData("http://fn.tenant-a.svc.evil.example/")]
    [InlineData("http://tenant-a.svc/")]
    [InlineData("http://127.0.0.1:8080/")]
    [InlineData("http://localhost:8080/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.12:10250/pods")]
    public void Anything_Else_Is_Refused_By_Default(string url)
    {
        var why = Check(Policy(), "tenant-a", url);

        Assert.NotNull(why);
        Assert.Contains("tenant-a", why, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:1/", true)]
    [InlineData("http://127.0.0.1:65535/any/path", true)]
    [InlineData("https://127.0.0.1:8443/", false)]
    [InlineData("http://127.0.0.2:8080/", false)]
    [InlineData("http://127.0.0.1.nip.io:8080/", false)]
    [InlineData("http://169.254.169.254/", false)]
    [InlineData("http://127.0.0.1:@169.254.169.254/", false)]
    [InlineData("http://user:secret@127.0.0.1:8080/", false)]
    public void An_Allowed_Prefix_Is_Compared_On_The_Parsed_Url_Never_As_Text(string url, bool allowed) =>
        Assert.Equal(allowed, Check(Policy("http://127.0.0.1:"), "tenant-a", url) is null);

    [Theory]
    [InlineData("http://api.example.com:8080/hooks/", "http://api.example.com:8080/hooks/a", true)]
    [InlineData("http://api.example.com:8080/hooks/", "http://api.example.com:8080/hooksx", false)]
    [InlineData("http://api.example.com:8080/hooks", "http://api.example.com:8080/hooks/a", true)]
    [InlineData("http://api.example.com:8080/hooks", "http://api.example.com:8080/hooks-other", false)]
    [InlineData("http://api.example.com:8080/hooks/", "http://api.example.com:8080/hooks/../admin", false)]
    [InlineData("http://api.example.com:8080/", "http://api.example.com:8081/", false)]
    [InlineData("http://api.example.com/", "http://api.example.com:80/x", true)]
    [InlineData("http://api.example.com/", "http://api.example.com:8080/x", false)]
    [InlineData("http://169.254.169.254/", "http://169.254.169.254/latest/meta-data/", true)]
    public void Port_And_Path_Prefix_Must_Match(string prefix, string url, bool allowed) =>
        Assert.Equal(allowed, Check(Policy(prefix), "tenant-a", url) is null);

    [Fact]
    public void Manifests_Source_Allows_Every_Endpoint()
    {
        var policy = new EndpointPolicy(new TriggersOptions { Source = SourceKind.Manifests, ManifestsPath = "." });

        Assert.Null(Check(policy, "tenant-a", "http://127.0.0.1:9000/"));
        Assert.Null(Check(policy, "tenant-a", "http://169.254.169.254/"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a url")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("http://user@127.0.0.1:")]
    [InlineData("http://127.0.0.1/?q=1")]
    public void Bad_Allowed_Endpoints_Are_Refused_At_Start_Naming_The_Key(string entry)
    {
        var result = new TriggersOptionsValidator().Validate(null, new TriggersOptions { AllowedEndpoints = ["http://ok.example/", entry] });

        Assert.True(result.Failed);
        Assert.Contains("Triggers:AllowedEndpoints:1", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Resolver_Reports_A_Refused_Annotation_Naming_The_Function_And_Never_Returns_Its_Endpoint()
    {
        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.Service]);
        cache.Replace(ResourceKind.Function, [NewFunction("tenant-a", "grabber", "http://169.254.169.254/latest/meta-data/"), NewFunction("tenant-a", "plain")]);
        cache.Replace(ResourceKind.Service, []);
        var resolver = new FunctionResolver(Options.Create(new TriggersOptions()));

        var refused = resolver.Resolve(cache.Snapshot(), "tenant-a", LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "grabber" } }));
        var plain = resolver.Resolve(cache.Snapshot(), "tenant-a", LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "plain" } }));

        Assert.Empty(refused.Endpoints);
        Assert.Contains("tenant-a/grabber", Assert.Single(refused.Refused), StringComparison.Ordinal);
        Assert.Equal(new Uri("http://plain.tenant-a.svc.cluster.local:8080/"), Assert.Single(plain.Endpoints).Url);
        Assert.Empty(plain.Refused);
    }
}
