using Confluent.Kafka;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Triggers.Kafka.Internal;
using Triggers.Kafka.Tests.Infrastructure;

namespace Triggers.Kafka.Tests;

/// <summary><c>Kafka:*</c> is checked at start and every message names the key that is wrong.</summary>
public sealed class KafkaOptionsTests
{
    [Fact]
    public void Accepts_Bootstrap_Servers_Alone()
    {
        var result = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka-0.kafka:9092,kafka-1.kafka:9092" });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Accepts_Sasl_Scram_Over_Tls()
    {
        var result = new KafkaOptionsValidator().Validate(null, new KafkaOptions
        {
            BootstrapServers = "kafka:9093",
            SecurityProtocol = SecurityProtocol.SaslSsl,
            SaslMechanism = SaslMechanism.ScramSha512,
            SaslUsername = "user",
            SaslPassword = "secret",
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("", null, null, null, "Kafka:BootstrapServers is required")]
    [InlineData("kafka", null, null, null, "Kafka:BootstrapServers 'kafka'")]
    [InlineData("kafka:9092", SecurityProtocol.SaslPlaintext, null, "secret", "Kafka:SaslMechanism")]
    [InlineData("kafka:9092", SecurityProtocol.SaslSsl, SaslMechanism.Plain, null, "Kafka:SaslPassword")]
    [InlineData("kafka:9092", SecurityProtocol.SaslSsl, SaslMechanism.Gssapi, "secret", "Kafka:SaslMechanism must be Plain, ScramSha256 or ScramSha512")]
    [InlineData("kafka:9092", SecurityProtocol.Plaintext, SaslMechanism.Plain, "secret", "Kafka:SaslMechanism is set but")]
    public void Names_The_Key_That_Is_Wrong(string bootstrap, SecurityProtocol? protocol, SaslMechanism? mechanism, string? password, string expected)
    {
        var options = new KafkaOptions
        {
            BootstrapServers = bootstrap,
            SecurityProtocol = protocol ?? SecurityProtocol.Plaintext,
            SaslMechanism = mechanism,
            SaslUsername = mechanism is null && password is null ? null : "user",
            SaslPassword = password,
        };

        var result = new KafkaOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_Missing_Tls_Files_And_Bad_Limits()
    {
        var result = new KafkaOptionsValidator().Validate(null, new KafkaOptions
        {
            BootstrapServers = "kafka:9093",
            SslCaLocation = "/nonexistent/ca.pem",
            MaxInFlight = 0,
            MaxUncommittedPerPartition = 0,
            CommitInterval = TimeSpan.Zero,
            MaxBufferedBytesPerConsumer = 100,
        });

        Assert.Contains("Kafka:SslCaLocation '/nonexistent/ca.pem' does not exist", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:MaxInFlight", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:MaxUncommittedPerPartition", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:CommitInterval", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:MaxBufferedBytesPerConsumer must be at least 1024 (got 100)", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Statistics_Are_Off_By_Default_A_Positive_Interval_Turns_Them_On_And_Negative_Names_The_Key()
    {
        var off = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka:9092", StatisticsInterval = TimeSpan.Zero });
        var negative = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka:9092", StatisticsInterval = TimeSpan.FromSeconds(-1) });

        Assert.True(off.Succeeded, off.FailureMessage);
        Assert.Equal(0, KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092", StatisticsInterval = TimeSpan.Zero }, Plan(), NullLogger.Instance).StatisticsIntervalMs);
        Assert.Equal(0, KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092" }, Plan(), NullLogger.Instance).StatisticsIntervalMs);
        Assert.Equal(5000, KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092", StatisticsInterval = TimeSpan.FromSeconds(5) }, Plan(), NullLogger.Instance).StatisticsIntervalMs);
        Assert.True(negative.Failed);
        Assert.Contains("Kafka:StatisticsInterval must be positive, or 00:00:00 to turn statistics off", negative.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Fetch_Queue_Backoff_Reaches_Librdkafka_And_An_Out_Of_Range_Value_Names_The_Key()
    {
        var negative = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka:9092", FetchQueueBackoff = TimeSpan.FromMilliseconds(-1) });
        var tooLong = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka:9092", FetchQueueBackoff = TimeSpan.FromMinutes(6) });
        var zero = new KafkaOptionsValidator().Validate(null, new KafkaOptions { BootstrapServers = "kafka:9092", FetchQueueBackoff = TimeSpan.Zero });

        // librdkafka's own default is 1000 ms: a consumer with a full prefetch then waits a second for records the broker has.
        Assert.Equal("100", KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092" }, Plan(), NullLogger.Instance).Get("fetch.queue.backoff.ms"));
        Assert.Equal("1000", KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092", FetchQueueBackoff = TimeSpan.FromSeconds(1) }, Plan(), NullLogger.Instance).Get("fetch.queue.backoff.ms"));
        Assert.True(zero.Succeeded, zero.FailureMessage);
        Assert.Contains("Kafka:FetchQueueBackoff must be between 00:00:00 and 00:05:00 (got -00:00:00.0010000)", negative.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Kafka:FetchQueueBackoff must be between 00:00:00 and 00:05:00 (got 00:06:00)", tooLong.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_Push_Is_Off_Unless_Enabled()
    {
        Assert.False(KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092" }, Plan(), NullLogger.Instance).EnableMetricsPush);
        Assert.False(KafkaClients.Producer(new KafkaOptions { BootstrapServers = "kafka:9092" }).EnableMetricsPush);
        Assert.True(KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092", EnableMetricsPush = true }, Plan(), NullLogger.Instance).EnableMetricsPush);
    }

    [Theory]
    [InlineData(LogLevel.Debug, "7")]
    [InlineData(LogLevel.Information, "5")]
    [InlineData(LogLevel.Warning, "4")]
    public void Library_Log_Level_Passes_Only_What_The_Logger_Keeps(LogLevel minimum, string expected)
    {
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(minimum).AddConsole());

        var config = KafkaClients.Consumer(new KafkaOptions { BootstrapServers = "kafka:9092" }, Plan(), loggers.CreateLogger("t"));

        Assert.Equal(expected, config.Get("log_level"));
    }

    [Fact]
    public async Task Worker_Refuses_To_Start_Without_Bootstrap_Servers_And_Says_Which_Key()
    {
        var folder = Directory.CreateTempSubdirectory("kafka-options-").FullName;
        try
        {
            var builder = KafkaWorkerHost.CreateBuilder(["--Triggers:Source=Manifests", $"--Triggers:ManifestsPath={folder}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=None"]);
            await using var app = KafkaWorkerHost.Build(builder);

            var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

            Assert.Contains("Kafka:BootstrapServers is required", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static KafkaSubscriptionPlan Plan() => TestPlans.Minimal();
}
