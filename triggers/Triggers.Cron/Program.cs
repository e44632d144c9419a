using Triggers.Cron;

// Builder with the shared defaults (AddTriggersDefaults(CronJobTrigger, "cron")) and the cron registrations (AddCronWorker).
var builder = CronWorkerHost.CreateBuilder(args);

// The app with /healthz, /readyz, /metrics and /status (MapTriggersEndpoints).
await using var app = CronWorkerHost.Build(builder);

await app.RunAsync();
