using Triggers.Core.Hosting;
using Triggers.Core.Resources;
using Triggers.Kafka;

var builder = WebApplication.CreateBuilder(args);
builder.AddTriggersDefaults(ResourceKind.KafkaTrigger, KafkaWorkerHost.WorkerName);
builder.AddKafkaTriggers();

var app = builder.Build();
app.MapTriggersEndpoints();
await app.RunAsync();
