using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Kafka;

/// <summary>Builds the Kafka worker, for <c>Program</c>, tests and the local all-in-one runner (configuration overrides as <c>--Key=value</c> arguments).</summary>
public static class KafkaWorkerHost
{
    public const string WorkerName = "kafka";

    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.AddTriggersDefaults(ResourceKind.KafkaTrigger, WorkerName);
        builder.AddKafkaTriggers();
        return builder;
    }

    public static WebApplication Build(WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.MapTriggersEndpoints();
        return app;
    }
}
