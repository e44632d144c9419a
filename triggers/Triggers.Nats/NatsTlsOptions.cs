namespace Triggers.Nats;

/// <summary>TLS settings of the NATS connection (<c>Nats:Tls</c>).</summary>
public sealed class NatsTlsOptions
{
    /// <summary>PEM file of the CA that signed the server certificate.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate (mutual TLS); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Require TLS even for <c>nats://</c> URLs.</summary>
    public bool Required { get; set; }

    /// <summary>Accept any server certificate (development only).</summary>
    public bool InsecureSkipVerify { get; set; }
}
