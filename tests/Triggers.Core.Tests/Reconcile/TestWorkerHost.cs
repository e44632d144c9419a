using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Core.Tests.Reconcile;

/// <summary>The test worker hosted the way a real worker is: shared defaults, its reconciler, the endpoints, a free port.</summary>
public static class TestWorkerHost
{
    public static WebApplication Build(params string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddTriggersDefaults(ResourceKind.NatsTrigger, "test");
        builder.Services.AddTriggerReconciler<NatsTrigger, TestPlan, TestPlanner, TestSubscriptionSet>();
        var app = builder.Build();
        app.MapTriggersEndpoints();
        return app;
    }
}
