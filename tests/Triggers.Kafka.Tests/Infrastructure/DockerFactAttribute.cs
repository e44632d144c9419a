using System.Net.Sockets;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>A test that needs a Docker engine (Testcontainers); skipped, with the reason, where none is reachable.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DockerFactAttribute : FactAttribute
{
    private const string Socket = "/var/run/docker.sock";

    public DockerFactAttribute()
    {
        if (!DockerReachable())
        {
            Skip = $"No Docker engine reachable at {Socket}: this Apache Kafka (Testcontainers) variant runs only where Docker exists; the same scenario runs on librdkafka's mock cluster in DeliveryTests.";
        }
    }

    private static bool DockerReachable()
    {
        if (Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 })
        {
            return true;
        }

        if (!File.Exists(Socket))
        {
            return false;
        }

        try
        {
            using var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(Socket));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
