using Triggers.Core.Reconcile;
using Triggers.Core.Sources;

namespace Triggers.Dev.Internal;

/// <summary>One worker hosted in this process.</summary>
internal sealed record HostedWorker(string Name, WebApplication App)
{
    public Uri Address => new(App.Urls.First());

    public ReconcilerState State => App.Services.GetRequiredService<ReconcilerState>();

    public TriggerStatusStore Status => App.Services.GetRequiredService<TriggerStatusStore>();

    public ManifestDiagnostics Diagnostics => App.Services.GetRequiredService<ManifestDiagnostics>();
}
