using Triggers.Benchmarks.PollyWorker;
using Triggers.Core.Dispatch;
using Triggers.Nats;

// The NATS worker exactly as triggers/Triggers.Nats builds it, but delivering through a Polly.Core
// pipeline: the B side of the polly-ab benchmark (docs/benchmarks.md).
var builder = NatsWorkerHost.CreateBuilder(args);
builder.Services.AddSingleton<DeliveryHandlerFactory>((delivery, time) => new PollyDeliveryHandler(delivery, time));
var app = NatsWorkerHost.Build(builder);
await app.RunAsync();
