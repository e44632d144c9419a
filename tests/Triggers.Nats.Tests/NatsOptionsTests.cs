namespace Triggers.Nats.Tests;

/// <summary>Start-up validation of the <c>Nats</c> section: every message names the key.</summary>
public sealed class NatsOptionsTests
{
    private static IReadOnlyList<string> Errors(NatsOptions options) =>
        new NatsOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Defaults_Are_Valid()
    {
        Assert.Empty(Errors(new NatsOptions()));
        Assert.Empty(Errors(new NatsOptions { Url = "nats://a:4222, tls://b:4222,c:4222" }));
    }

    [Theory]
    [InlineData("", "Nats:Url")]
    [InlineData("http://a:4222", "Nats:Url")]
    public void Bad_Urls_Are_Rejected(string url, string key) =>
        Assert.Contains(Errors(new NatsOptions { Url = url }), e => e.StartsWith(key, StringComparison.Ordinal));

    [Fact]
    public void A_Url_With_Credentials_Is_Never_Echoed()
    {
        var errors = Errors(new NatsOptions { Url = "http://user:s3cret@a:4222" });
        Assert.DoesNotContain(errors, e => e.Contains("s3cret", StringComparison.Ordinal));
    }

    [Fact]
    public void Auth_Settings_Are_Checked()
    {
        Assert.Contains(Errors(new NatsOptions { User = "u" }), e => e.StartsWith("Nats:Password", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { User = "u", Password = "p", Token = "t" }), e => e.Contains("Only one of", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { CredsFile = "/nonexistent/user.creds" }), e => e.StartsWith("Nats:CredsFile", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { NKeySeedFile = "/nonexistent/seed" }), e => e.StartsWith("Nats:NKeySeedFile", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { Tls = new NatsTlsOptions { CaFile = "/nonexistent/ca.pem" } }), e => e.StartsWith("Nats:Tls:CaFile", StringComparison.Ordinal));
    }

    [Fact]
    public void Flow_Control_Settings_Are_Checked()
    {
        Assert.Contains(Errors(new NatsOptions { DefaultMaxInFlight = 0 }), e => e.StartsWith("Nats:DefaultMaxInFlight", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { PendingMessagesLimit = 0 }), e => e.StartsWith("Nats:PendingMessagesLimit", StringComparison.Ordinal));
        Assert.Contains(Errors(new NatsOptions { DrainTimeout = TimeSpan.Zero }), e => e.StartsWith("Nats:DrainTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void Configured_Auth_Reaches_The_Client_Options()
    {
        var opts = Internal.NatsConnectionHolder.BuildOpts(new NatsOptions { Url = "nats://a:1, nats://b:2", User = "u", Password = "p", PendingMessagesLimit = 10 });
        Assert.Equal("nats://a:1,nats://b:2", opts.Url);
        Assert.Equal("u", opts.AuthOpts.Username);
        Assert.Equal("p", opts.AuthOpts.Password);
        Assert.Equal(10, opts.SubPendingChannelCapacity);
        Assert.Equal(System.Threading.Channels.BoundedChannelFullMode.Wait, opts.SubPendingChannelFullMode);
        Assert.Equal(-1, opts.MaxReconnectRetry);
        Assert.True(opts.RetryOnInitialConnect);
    }
}
