using Triggers.Nats;

// The NATS trigger worker: shared defaults, the NATS subscriptions, health and metrics endpoints.
var builder = NatsWorkerHost.CreateBuilder(args);
var app = NatsWorkerHost.Build(builder);
await app.RunAsync();
